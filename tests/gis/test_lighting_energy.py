"""Street-light energy: burning hours from dusk and dawn at Berkane, dimming, cost, CO2 and the LED scenario."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from gis.lighting.energy import (
    DimStep,
    Load,
    Technology,
    full_power_hours,
    led_retrofit,
    month_consumption,
    night,
    nights,
    year_hours,
)

HALF_AFTER_MIDNIGHT = (DimStep(time(0, 0), time(5, 0), 0.5),)


def test_the_equinox_night_matches_the_almanac_computed_by_hand():
    # By hand for 34.92 N, 2.32 W on 20 March 2026: declination ≈ 0°, equation of time ≈ -7.5 min, so the sun
    # crosses the meridian at 12:00 + 2.32 × 4 min + 7.5 min ≈ 12:17 UTC; with the 0.833° of refraction and radius,
    # cos H = -sin(0.833°) / cos(34.92°) gives H ≈ 91.0°, 6 h 04 min: sunset ≈ 18:21 UTC, and the next sunrise
    # ≈ 06:12 UTC. Observer elevation moves both by a minute or two.
    on, off = night(date(2026, 3, 20))
    assert abs(on - datetime(2026, 3, 20, 18, 21, tzinfo=UTC)) < timedelta(minutes=5)
    assert abs(off - datetime(2026, 3, 21, 6, 12, tzinfo=UTC)) < timedelta(minutes=5)


def test_winter_nights_are_longest_and_a_year_burns_about_4300_hours():
    def length(day):
        on, off = night(day)
        return (off - on).total_seconds() / 3600

    assert 13.9 < length(date(2026, 12, 21)) < 14.3
    assert 9.2 < length(date(2026, 6, 21)) < 9.6
    # At 35° N the sun is below the horizon a little less than half of the year's 8,760 hours.
    assert 4_200 < year_hours(2026) < 4_350


def test_dimming_after_midnight_is_counted_by_hand():
    on = datetime(2026, 1, 10, 17, 0, tzinfo=UTC)  # 18:00 in Berkane (UTC+1)
    off = datetime(2026, 1, 11, 6, 0, tzinfo=UTC)  # 07:00
    # 13 h in all, 5 of them (00:00-05:00 local) at half power: 13 - 2.5 = 10.5 h at full power.
    assert full_power_hours(on, off) == pytest.approx(13.0)
    assert full_power_hours(on, off, HALF_AFTER_MIDNIGHT) == pytest.approx(10.5)
    # A step before midnight and one crossing it.
    evening = (DimStep(time(22, 0), time(0, 30), 0.7),)
    assert full_power_hours(on, off, evening) == pytest.approx(13.0 - 2.5 * 0.3)


def test_a_month_of_lamps_costs_its_kwh_times_the_tariff():
    january = month_consumption(2026, 1, [Load(count=100, power_w=150)], tariff_mad_per_kwh=1.2, co2_kg_per_kwh=0.7)
    hours = sum(full_power_hours(*night(day)) for day in nights(2026, 1))
    assert 31 * 13 < hours < 31 * 14.2
    assert january.kwh == pytest.approx(100 * 150 * hours / 1000)
    assert january.cost_mad == pytest.approx(january.kwh * 1.2)
    assert january.co2_kg == pytest.approx(january.kwh * 0.7)
    dimmed = month_consumption(
        2026, 1, [Load(100, 150, HALF_AFTER_MIDNIGHT)], tariff_mad_per_kwh=1.2, co2_kg_per_kwh=0.7
    )
    # 31 nights × 5 h at half of 15 kW.
    assert january.kwh - dimmed.kwh == pytest.approx(31 * 5 * 0.5 * 15.0)


def test_the_led_scenario_counts_savings_and_payback_by_hand():
    scenario = led_retrofit(
        [(Technology.HIGH_PRESSURE_SODIUM, 150, 100), (Technology.METAL_HALIDE, 250, 20), (Technology.LED, 60, 50)],
        led_ratio=0.4,
        led_unit_cost_mad=2_500,
        hours_per_year=4_000,
        tariff_mad_per_kwh=1.2,
        co2_kg_per_kwh=0.7,
    )
    # Before: (15 + 5 + 3) kW × 4,000 h = 92,000 kWh. After: (15 + 5) × 0.4 + 3 = 11 kW, 44,000 kWh.
    assert scenario.kwh_before == pytest.approx(92_000)
    assert scenario.kwh_after == pytest.approx(44_000)
    assert scenario.saving_mad == pytest.approx(48_000 * 1.2)
    assert scenario.saving_co2_kg == pytest.approx(48_000 * 0.7)
    assert scenario.investment_mad == 120 * 2_500
    assert scenario.payback_years == pytest.approx(300_000 / 57_600)


def test_a_dimming_level_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError):
        DimStep(time(0), time(5), 1.5)
