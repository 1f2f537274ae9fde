"""Cabinets: dimming schedules as staff type them, meter readings, and metered against estimated energy."""

from datetime import UTC, datetime, timedelta

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point

from gis.lighting import cabinets, energy
from gis.lighting.models import Cabinet
from services.errors import Invalid
from tests.factories import make_light

JAN, FEB = datetime(2026, 1, 1, 12, tzinfo=UTC), datetime(2026, 2, 1, 12, tzinfo=UTC)


@pytest.fixture
def cabinet(db):
    item = Cabinet(code="BRK-CAB-0001", dimming=[], geom=from_shape(Point(-2.32, 34.92), srid=4326))
    db.session.add(item)
    db.session.flush()
    return item


def test_a_schedule_is_typed_in_percent_and_empty_rows_are_ignored(db, cabinet):
    cabinets.set_dimming(
        db.session,
        cabinet.code,
        [{"start": "00:00", "end": "05:00", "level": "50"}, {"start": "", "end": "", "level": ""}],
    )
    assert cabinet.dimming == [{"start": "00:00", "end": "05:00", "level": 0.5}]


@pytest.mark.parametrize(
    "step",
    [
        {"start": "25:00", "end": "05:00", "level": "50"},
        {"start": "00:00", "end": "00:00", "level": "50"},
        {"start": "00:00", "end": "05:00", "level": "150"},
        {"start": "00:00", "end": "05:00", "level": "half"},
    ],
)
def test_a_bad_step_is_refused_and_the_schedule_is_kept(db, cabinet, step):
    cabinet.dimming = [{"start": "01:00", "end": "04:00", "level": 0.3}]
    with pytest.raises(Invalid) as error:
        cabinets.set_dimming(db.session, cabinet.code, [step])
    assert error.value.code == "dimming_invalid"
    assert cabinet.dimming == [{"start": "01:00", "end": "04:00", "level": 0.3}]


def test_a_meter_index_cannot_go_back_nor_be_read_in_the_future(db, cabinet):
    cabinets.record_reading(db.session, cabinet.code, read_at=JAN, index_kwh="1200.5", actor_id=None)
    with pytest.raises(Invalid) as error:
        cabinets.record_reading(db.session, cabinet.code, read_at=FEB, index_kwh="1100", actor_id=None)
    assert error.value.code == "reading_goes_back"
    with pytest.raises(Invalid) as error:
        cabinets.record_reading(
            db.session, cabinet.code, read_at=datetime.now(UTC) + timedelta(days=2), index_kwh="1300", actor_id=None
        )
    assert error.value.code == "reading_in_future"
    with pytest.raises(Invalid) as error:
        cabinets.record_reading(db.session, cabinet.code, read_at=FEB, index_kwh="beaucoup", actor_id=None)
    assert error.value.code == "reading_not_a_number"
    assert len(cabinet.readings) == 1


def test_metered_energy_is_set_against_the_estimate_for_the_same_nights(db, cabinet):
    for _ in range(4):
        make_light(db.session, power_w=100, cabinet_id=cabinet.id)
    cabinets.record_reading(db.session, cabinet.code, read_at=JAN, index_kwh="1000", actor_id=None)
    cabinets.record_reading(db.session, cabinet.code, read_at=FEB, index_kwh="1500", actor_id=None)
    [period] = cabinets.periods(db.session, cabinet)
    # January's nights at Berkane, by hand: 31 nights from about 17:40 to 07:40 local, roughly 14 h each.
    assert 31 * 13.5 * 0.4 < period.estimated_kwh < 31 * 14.5 * 0.4
    assert period.estimated_kwh == pytest.approx(0.4 * energy.hours_between(JAN, FEB))
    assert period.metered_kwh == 500
    assert period.gap == pytest.approx(500 / period.estimated_kwh - 1)


def test_hours_between_two_readings_add_up_to_the_months_nights():
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    end = datetime(2026, 4, 1, 12, tzinfo=UTC)
    by_month = sum(energy.full_power_hours(*energy.night(day)) for day in energy.nights(2026, 3))
    assert energy.hours_between(start, end) == pytest.approx(by_month)
