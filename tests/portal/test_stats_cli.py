"""`flask stats check` tells whether the dashboard's summary matches the requests; `rebuild` repairs it."""

from sqlalchemy import select, update

from services.stats.models import DailyStat
from tests.services.stats.test_figures import history  # noqa: F401 (fixture)


def test_check_passes_on_a_kept_summary_and_names_a_tampered_row_until_rebuilt(app, db, history):  # noqa: F811
    db.session.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["stats", "check"])
    assert ok.exit_code == 0, ok.output
    assert "The summary matches the requests." in ok.output

    row = db.session.scalars(select(DailyStat).where(DailyStat.received > 0).order_by(DailyStat.day)).first()
    db.session.execute(update(DailyStat).where(DailyStat.day == row.day).values(received=DailyStat.received + 7))
    db.session.commit()
    tampered = runner.invoke(args=["stats", "check"])
    assert tampered.exit_code == 1
    assert str(row.day) in tampered.output and "rebuild" in tampered.output

    rebuilt = runner.invoke(args=["stats", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert runner.invoke(args=["stats", "check"]).exit_code == 0
