"""The services section of the dashboard over HTTP: figures as computed, scopes enforced, filters checked."""

from datetime import date

import pytest

from services.accounts.models import Role
from services.stats import figures
from services.stats.scope import Period, Scope
from tests.conftest import page_text, tr
from tests.services.stats.test_figures import SEPTEMBER, history  # noqa: F401 (fixture)

SEPT = {"period": "custom", "start": "2026-09-01", "end": "2026-09-30"}


def _json(client, name: str, **query) -> dict:
    response = client.get(f"/dashboard/services/{name}.json", query_string={**SEPT, **query})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()


def test_the_mayors_office_reads_the_months_figures_as_the_statistics_compute_them(client, login_as, db, history):  # noqa: F811
    login_as(Role.MAYOR_OFFICE)
    month = figures.flows(db.session, Scope(SEPTEMBER))[None]
    key = _json(client, "key-figures")["rows"][0]
    assert (key["received"], key["resolved"], key["rejected"], key["no_action"], key["duplicate"]) == (
        month.received,
        month.resolved,
        month.rejected,
        month.no_action,
        month.duplicate,
    )
    assert key["median_days"] == 101 / 24 and key["p90_days"] == 552 / 24
    assert key["satisfaction"] == 3.5 and key["on_time"] == 4 / 5
    by_service = _json(client, "by-service")
    assert sum(r["received"] for r in by_service["rows"]) == month.received == by_service["footer"]["received"]
    districts = {r["district_id"]: r for r in _json(client, "by-district")["rows"]}
    west = districts[history["west"].id]
    assert (west["population"], west["received"]) == (20_000, 4)  # fixed, slow, copy, waiting
    assert west["per_1000"] == 4 * 1000 / 20_000
    weeks = _json(client, "weekly")["rows"]
    assert [w["week"] for w in weeks][0] == "2026-08-31" and sum(w["received"] for w in weeks) == month.received  # noqa: RUF015
    page = client.get("/dashboard/", query_string=SEPT, headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    text = page_text(page)
    assert tr("fr", "Closed without action", context="requests") in text and tr("fr", "Workload per agent") in text


def test_a_head_of_department_sees_only_their_department_whatever_the_address_asks(client, login_as, db, history):  # noqa: F811
    lights, roads = history["lights"], history["roads"]
    login_as(user=lights.supervisor)
    own = figures.flows(db.session, Scope(SEPTEMBER, department_id=lights.department.id))[None]
    for query in ({}, {"department": str(roads.department.id)}):
        key = _json(client, "key-figures", **query)
        assert key["department_id"] == lights.department.id
        assert key["rows"][0]["received"] == own.received
    agents = {r["agent"] for r in _json(client, "agents")["rows"]}
    assert roads.agent.full_name not in agents and lights.agent.full_name in agents
    page = page_text(client.get("/dashboard/", query_string=SEPT))
    assert "Service " + roads.department.code not in page


def test_citizens_and_agents_cannot_open_the_dashboard(client, login_as, db):
    for role in (Role.CITIZEN, Role.AGENT):
        login_as(role)
        assert client.get("/dashboard/").status_code == 403
        assert client.get("/dashboard/services/key-figures.json").status_code == 403


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_reversed_or_incomplete_period_is_refused_in_the_readers_language(client, login_as, db, lang):
    login_as(Role.MAYOR_OFFICE, locale=lang)
    bad = client.get("/dashboard/", query_string={"period": "custom", "start": "2026-09-30", "end": "2026-09-01"})
    assert bad.status_code == 400
    assert tr(lang, "The end of the period must not come before its start.") in page_text(bad)
    missing = client.get(
        "/dashboard/services/by-service.json", query_string={"period": "custom", "start": "2026-09-01"}
    )
    assert missing.status_code == 400
    assert tr(lang, "Give both dates of the period, as year-month-day.") in page_text(missing)
    wrong = client.get("/dashboard/", query_string={"period": "custom", "start": "2026-13-01", "end": "x"})
    assert wrong.status_code == 400
    assert tr(lang, "Enter the date as year-month-day, for example 2026-11-23.") in page_text(wrong)


def test_a_preset_period_covers_whole_months_up_to_today(client, login_as, db):
    from portal.dashboard.scope import preset_period

    day = date(2026, 11, 24)
    assert preset_period("last_12_months", day) == Period(date(2025, 12, 1), day)
    assert preset_period("last_month", day) == Period(date(2026, 10, 1), date(2026, 10, 31))
    assert preset_period("this_year", day) == Period(date(2026, 1, 1), day)
    assert preset_period("last_year", day) == Period(date(2025, 1, 1), date(2025, 12, 31))
    assert preset_period("last_30_days", day) == Period(date(2026, 10, 26), day)


def test_a_request_filed_a_moment_ago_is_in_the_next_page_of_figures(client, login_as, db, store, history):  # noqa: F811
    from datetime import UTC, datetime

    login_as(Role.MAYOR_OFFICE)
    today = {"period": "last_30_days"}
    before = _json(client, "key-figures", **today)["rows"][0]
    history["lights"].report(db.session, store, now=datetime.now(UTC), lon=-2.34)
    db.session.commit()
    after = _json(client, "key-figures", **today)["rows"][0]
    assert after["received"] == before["received"] + 1
    assert after["backlog"] == before["backlog"] + 1
