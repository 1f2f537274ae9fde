"""`flask stats check` tells whether the dashboard's summaries match the requests; `rebuild` repairs them."""

from sqlalchemy import select, update

from services.stats.models import WHOLE_COMMUNE, DailyStat, ResolutionHours
from tests.services.stats.test_figures import history  # noqa: F401 (fixture)


def test_check_passes_on_kept_summaries_and_names_tampered_rows_until_rebuilt(app, db, history):  # noqa: F811
    db.session.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["stats", "check"])
    assert ok.exit_code == 0, ok.output
    assert "The summaries match the requests." in ok.output

    row = db.session.scalars(select(DailyStat).where(DailyStat.received > 0).order_by(DailyStat.day)).first()
    db.session.execute(update(DailyStat).where(DailyStat.day == row.day).values(received=DailyStat.received + 7))
    hours = db.session.scalars(
        select(ResolutionHours)
        .where(ResolutionHours.requests > 0, ResolutionHours.district_key == WHOLE_COMMUNE)
        .order_by(ResolutionHours.month, ResolutionHours.hours)
    ).first()
    db.session.execute(
        update(ResolutionHours)
        .where(
            ResolutionHours.district_key == WHOLE_COMMUNE,
            ResolutionHours.month == hours.month,
            ResolutionHours.hours == hours.hours,
        )
        .values(requests=0)
    )
    db.session.commit()
    tampered = runner.invoke(args=["stats", "check"])
    assert tampered.exit_code == 1
    assert f"stats_daily {row.day}" in tampered.output and "rebuild" in tampered.output
    assert f"stats_resolution_hours -1 {hours.month}" in tampered.output

    rebuilt = runner.invoke(args=["stats", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "stats_resolution_hours:" in rebuilt.output
    assert runner.invoke(args=["stats", "check"]).exit_code == 0
