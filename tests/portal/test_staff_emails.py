"""What staff work sends: department messages, merges, transfers, rejections with their appeal route, and digests."""

import re
from datetime import date

import pytest
from babel.dates import format_date
from babel.support import Translations

from portal.notifications import render
from services.accounts.models import Role
from services.casework import actions
from services.notifications import outbox
from services.notifications.models import MessageKind, OutboxMessage
from tests.conftest import PUBLIC_URL, TRANSLATIONS, tr
from tests.factories import make_request, make_service, make_user

NUMBER = "BRK-2026-000123-4"
MASTER = "BRK-2026-000100-7"
REQUEST = {
    "tracking_number": NUMBER,
    "service_name_ar": "عطب في الإنارة العمومية",
    "service_name_fr": "Panne d'éclairage public",
    "path": f"/track/{NUMBER}",
    "status": "in_progress",
}


def deliver(app, db, kind, locale, **context):
    """Put one message in the outbox, run the sender, and return (subject, text, html) of what arrived."""
    outbox.enqueue(db.session, kind=kind, recipient="reader@example.org", locale=locale, context=context)
    db.session.commit()
    return sent(app)


def rendered_subject(app, kind, locale, **context) -> str:
    """The subject as written, before SMTP folds a long one."""
    with app.app_context():
        return render(OutboxMessage(kind=kind, recipient="reader@example.org", locale=locale, context=context))[0]


def sent(app, to="reader@example.org"):
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0 and "0 to retry later, 0 failed" in result.output, result.output
    mail = app.extensions["test_mail"]
    [email] = [e for e in mail.messages if e["To"] == to]
    text, html = (email.get_body((k,)).get_content().replace("\r\n", "\n") for k in ("plain", "html"))
    return email["Subject"], text, html


@pytest.fixture(autouse=True)
def _remember_mail(app, mail, monkeypatch):
    monkeypatch.setitem(app.extensions, "test_mail", mail)


def visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


# --------------------------------------------------------------------------- a message from the department


@pytest.mark.parametrize("locale", ["ar", "fr"])
def test_a_department_message_says_so_in_the_subject_and_quotes_the_message_safely(app, db, locale):
    note = "Nous intervenons jeudi.\n<b>merci</b>"
    subject, text, html = deliver(app, db, MessageKind.MESSAGE_POSTED.value, locale, **REQUEST, message=note)

    assert subject == tr(locale, "New message about your request %(number)s") % {"number": NUMBER}
    assert f'<html lang="{locale}" dir="{"rtl" if locale == "ar" else "ltr"}">' in html
    assert note in text and "&lt;b&gt;merci&lt;/b&gt;" in html and "<b>" not in html
    service = REQUEST[f"service_name_{locale}"]
    for body in (text, html):
        assert tr(locale, "Message from the department") in body
        assert service in body.replace("&#39;", "'")
        assert f"{PUBLIC_URL}/track/{NUMBER}" in body
    assert tr(locale, "In progress") in text


def test_a_department_message_to_a_follower_says_which_request_it_is_about(app, db):
    subject, text, html = deliver(
        app, db, MessageKind.MESSAGE_POSTED.value, "ar", **REQUEST, master=MASTER, message="سنتدخل يوم الخميس"
    )

    assert subject == tr("ar", "New message about your request %(number)s") % {"number": NUMBER}
    sentence = tr(
        "ar",
        "This is news of request %(master)s, which your request was joined to because it is about the same problem.",
    )
    assert sentence % {"master": MASTER} in text
    assert sentence % {"master": MASTER} in visible(html)
    assert f'<span dir="ltr" style="font-family:Consolas,Menlo,monospace;font-weight:bold;">{MASTER}</span>' in html


def test_a_real_message_posted_on_a_request_reaches_its_citizen(app, db, store):
    citizen = make_user(db.session, locale="fr", email="citoyen@example.org")
    service = make_service(db.session, name_fr="Panne d'éclairage")
    agent = make_user(db.session, Role.AGENT, department=service.department)
    request = make_request(db.session, store, service=service, user=citizen)
    actions.post_message(db.session, request, user=agent, body="L'équipe passe jeudi.")
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0
    mail = app.extensions["test_mail"]
    [email] = [
        e
        for e in mail.messages
        if e["Subject"] == tr("fr", "New message about your request %(number)s") % {"number": request.tracking_number}
    ]
    assert "L'équipe passe jeudi." in email.get_body(("plain",)).get_content()


# --------------------------------------------------------------------------- status changes


@pytest.mark.parametrize("locale", ["ar", "fr"])
def test_a_rejection_says_how_to_appeal(app, db, locale):
    appeal = {"ar": "يمكنكم الطعن أمام المحكمة الإدارية بوجدة.", "fr": "Recours devant le tribunal administratif."}
    context = REQUEST | {"status": "rejected", "message": "Hors du territoire", "appeal": appeal[locale]}
    _subject, text, html = deliver(app, db, MessageKind.STATUS_CHANGED.value, locale, **context)

    for body in (text, html):
        assert tr(locale, "How to appeal") in body
        assert appeal[locale] in body
        assert tr(locale, "Rejected") in body
    assert text.index(tr(locale, "How to appeal")) > text.index("Hors du territoire")


def test_a_status_change_without_an_appeal_has_no_appeal_heading(app, db):
    _subject, text, html = deliver(app, db, MessageKind.STATUS_CHANGED.value, "fr", **REQUEST)

    assert tr("fr", "How to appeal") not in text and tr("fr", "How to appeal") not in html


def test_a_merged_request_says_which_request_it_was_joined_to_and_that_its_news_will_follow(app, db):
    context = REQUEST | {"status": "duplicate", "master": MASTER, "message": ""}
    _subject, text, html = deliver(app, db, MessageKind.STATUS_CHANGED.value, "fr", **context)

    sentence = tr(
        "fr",
        "Your request was joined to request %(master)s, which is about the same problem. "
        "From now on you will receive the news of that request.",
    ) % {"master": MASTER}
    assert sentence in text and sentence in visible(html)


def test_a_transferred_request_names_its_new_department_in_the_readers_language(app, db):
    context = REQUEST | {"status": "new", "department_ar": "مصلحة الطرق", "department_fr": "Voirie"}
    _subject, text, html = deliver(app, db, MessageKind.STATUS_CHANGED.value, "ar", **context)

    sentence = tr("ar", "Your request was transferred to %(department)s, which will handle it from now on.")
    assert sentence % {"department": "مصلحة الطرق"} in text
    assert sentence % {"department": "مصلحة الطرق"} in visible(html)
    assert "Voirie" not in text


def test_a_real_merge_tells_the_duplicates_citizen_which_request_they_now_follow(app, db, store):
    service = make_service(db.session)
    supervisor = make_user(db.session, Role.SUPERVISOR, department=service.department)
    master = make_request(db.session, store, service=service)
    citizen = make_user(db.session, locale="fr", email="doublon@example.org")
    duplicate = make_request(db.session, store, service=service, user=citizen)
    actions.merge(db.session, duplicate, master, user=supervisor)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0
    mail = app.extensions["test_mail"]
    texts = [e.get_body(("plain",)).get_content() for e in mail.messages if e["To"] == "doublon@example.org"]
    assert any(master.tracking_number in t and tr("fr", "Closed as a duplicate") in t for t in texts)


# --------------------------------------------------------------------------- supervisors' digest


def _item(number, status, deadline, assignee=None):
    return {
        "tracking_number": number,
        "service_name_ar": "عطب في الإنارة العمومية",
        "service_name_fr": "Panne d'éclairage public",
        "status": status,
        "deadline_at": f"{deadline}T23:00:00+00:00",
        "assignee": assignee,
        "path": f"/staff/requests/{number}",
    }


DIGEST = {
    "department_ar": "مصلحة الإنارة العمومية",
    "department_fr": "Éclairage public",
    "overdue": [_item(NUMBER, "assigned", "2026-11-20", "Karim Agent")],
    "due_soon": [_item(MASTER, "new", "2026-11-25")],
    "overdue_count": 1,
    "due_soon_count": 3,  # more than listed: the email points to the queue for the rest
    "at": "2026-11-24T06:00:00+00:00",
    "path": "/staff/queue?due=overdue",
}


@pytest.mark.parametrize("locale", ["ar", "fr"])
def test_a_digest_lists_overdue_then_due_soon_requests_with_links_to_the_staff_pages(app, db, locale):
    _subject, text, html = deliver(app, db, MessageKind.OVERDUE_DIGEST.value, locale, **DIGEST)

    department = DIGEST[f"department_{locale}"]
    subject = rendered_subject(app, MessageKind.OVERDUE_DIGEST.value, locale, **DIGEST)
    assert subject == Translations.load(str(TRANSLATIONS), [locale]).ngettext(
        "%(num)s overdue request in %(department)s", "%(num)s overdue requests in %(department)s", 1
    ) % {"num": 1, "department": department}
    assert f'<html lang="{locale}" dir="{"rtl" if locale == "ar" else "ltr"}">' in html
    service = {"ar": "عطب في الإنارة العمومية", "fr": "Panne d'éclairage public"}[locale]
    for body in (text, html.replace("&#39;", "'")):
        assert department in body and service in body
        assert text.index(NUMBER) < text.index(MASTER)
        assert f"{PUBLIC_URL}/staff/requests/{NUMBER}" in body
        assert f"{PUBLIC_URL}/staff/requests/{MASTER}" in body
        assert f"{PUBLIC_URL}/staff/queue?due=overdue" in body
        assert "Karim Agent" in body and tr(locale, "Unassigned") in body
        assert tr(locale, "Assigned to an agent") in body and tr(locale, "Received") in body
        assert format_date(date(2026, 11, 20), "medium", locale=f"{locale}_MA") in body
        more = Translations.load(str(TRANSLATIONS), [locale]).ngettext(
            "%(num)s more is not listed here: the queue has it.",
            "%(num)s more are not listed here: the queue has them.",
            2,
        )
        assert more % {"num": 2} in body
    assert '<th scope="col"' in html
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(link.startswith(f"{PUBLIC_URL}/") for link in links)
