"""`flask requests overdue`: each head of department with late requests gets one reminder, in their language."""

from datetime import timedelta

import pytest
from babel.support import Translations
from sqlalchemy import func, select

from services.accounts.models import Role
from services.db import utcnow
from services.notifications.models import MessageKind, OutboxMessage
from tests.conftest import PUBLIC_URL, TRANSLATIONS, tr
from tests.factories import make_department, make_request, make_service, make_user


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def digests_queued(db) -> int:
    return db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == MessageKind.OVERDUE_DIGEST.value)
    )


def plural(language: str, singular: str, plural_: str, n: int, **values) -> str:
    return Translations.load(str(TRANSLATIONS), [language]).ngettext(singular, plural_, n) % {"num": n, **values}


@pytest.fixture
def departments(db, store):
    """Lighting has one overdue and one due-soon request and two heads; roads has nothing late."""
    lighting = make_department(db.session, code="lighting", name_ar="مصلحة الإنارة", name_fr="Éclairage public")
    roads = make_department(db.session, code="roads", name_ar="مصلحة الطرق", name_fr="Voirie")
    lamp = make_service(db.session, department=lighting, name_ar="عطب في الإنارة", name_fr="Panne d'éclairage")
    hole = make_service(db.session, department=roads, name_ar="حفرة", name_fr="Nid-de-poule")
    heads = {
        "ar": make_user(db.session, Role.SUPERVISOR, department=lighting, locale="ar", email="raiss@example.org"),
        "fr": make_user(db.session, Role.SUPERVISOR, department=lighting, locale="fr", email="chef@example.org"),
    }
    make_user(db.session, Role.AGENT, department=lighting, email="agent@example.org")
    make_user(db.session, Role.SUPERVISOR, department=roads, email="roads-head@example.org", locale="fr")
    late = make_request(db.session, store, service=lamp)
    late.deadline_at = utcnow() - timedelta(days=2)
    soon = make_request(db.session, store, service=lamp)
    soon.deadline_at = utcnow() + timedelta(hours=20)
    make_request(db.session, store, service=lamp)  # ten working days to go
    make_request(db.session, store, service=hole)
    db.session.commit()
    return heads, late, soon


def test_each_head_of_a_department_with_late_requests_gets_one_reminder_in_their_language(app, db, mail, departments):
    heads, late, soon = departments

    output = run(app, "requests", "overdue").output

    assert sorted(output.splitlines()) == [
        "Queued a reminder to chef@example.org (lighting): 1 overdue, 1 due within 48 hours.",
        "Queued a reminder to raiss@example.org (lighting): 1 overdue, 1 due within 48 hours.",
    ]
    assert run(app, "notifications", "send").output.strip().endswith("0 to retry later, 0 failed.")
    digests = {e["To"]: e for e in mail.messages if "/staff/requests/" in e.get_body(("plain",)).get_content()}
    assert sorted(digests) == ["chef@example.org", "raiss@example.org"]  # not the agent, not roads' head
    for language, head in heads.items():
        email = digests[head.email]
        assert email["Subject"] == plural(
            language,
            "%(num)s overdue request in %(department)s",
            "%(num)s overdue requests in %(department)s",
            1,
            department={"ar": "مصلحة الإنارة", "fr": "Éclairage public"}[language],
        )
        text = email.get_body(("plain",)).get_content()
        html = email.get_body(("html",)).get_content()
        assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html
        service = {"ar": "عطب في الإنارة", "fr": "Panne d'éclairage"}[language]
        for body in (text, html):
            assert tr(language, "Unassigned") in body and tr(language, "Received") in body
            assert f"{PUBLIC_URL}/staff/requests/{late.tracking_number}" in body
            assert f"{PUBLIC_URL}/staff/requests/{soon.tracking_number}" in body
            assert f"{PUBLIC_URL}/staff/queue?due=overdue" in body
        assert service in text
        # The overdue request comes before the one still due.
        assert text.index(late.tracking_number) < text.index(soon.tracking_number)


def test_a_dry_run_says_who_would_be_reminded_and_queues_nothing(app, db, departments):
    output = run(app, "requests", "overdue", "--dry-run").output

    assert "Would queue a reminder to chef@example.org (lighting): 1 overdue, 1 due within 48 hours." in output
    assert digests_queued(db) == 0


def test_nothing_late_sends_nothing_and_says_so_in_one_line(app, db, store):
    make_user(db.session, Role.SUPERVISOR, email="calm@example.org")
    make_request(db.session, store)
    db.session.commit()

    result = run(app, "requests", "overdue")

    assert result.output.strip() == "Nothing is overdue or due within 48 hours."
    assert digests_queued(db) == 0


def test_a_department_without_an_active_head_is_reported_rather_than_silently_skipped(app, db, store):
    request = make_request(db.session, store)
    request.deadline_at = utcnow() - timedelta(days=1)
    make_user(db.session, Role.SUPERVISOR, department=request.department, is_active=False)
    db.session.commit()

    result = run(app, "requests", "overdue")

    assert f"No active head of department to email in {request.department.code}" in result.stderr
    assert digests_queued(db) == 0


def test_a_department_with_only_requests_due_soon_gets_a_reminder_that_says_so(app, db, store, mail):
    head = make_user(db.session, Role.SUPERVISOR, locale="fr", email="soon@example.org")
    service = make_service(db.session, department=head.department)
    request = make_request(db.session, store, service=service)
    request.deadline_at = utcnow() + timedelta(hours=5)
    db.session.commit()

    run(app, "requests", "overdue")
    assert run(app, "notifications", "send").output.strip().endswith("0 to retry later, 0 failed.")

    [email] = [e for e in mail.messages if e["To"] == "soon@example.org"]
    assert email["Subject"] == plural(
        "fr",
        "%(num)s request due within 48 hours in %(department)s",
        "%(num)s requests due within 48 hours in %(department)s",
        1,
        department=head.department.name_fr,
    )
    assert f"{PUBLIC_URL}/staff/queue?due=soon" in email.get_body(("plain",)).get_content()
