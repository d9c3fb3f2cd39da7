"""Which Open Finance booking days a pipeline run loads."""

from datetime import date

from fluxo.pipeline import openfinance_days_to_load

TODAY = date(2026, 3, 10)


def test_first_run_loads_the_whole_catch_up_period() -> None:
    days = openfinance_days_to_load([], TODAY, catch_up_days=5)
    assert (days.start, days.end) == ("2026-03-05", "2026-03-10")


def test_a_run_starts_at_the_earliest_day_never_loaded() -> None:
    loaded = ["2026-03-05", "2026-03-06", "2026-03-08", "2026-03-09"]
    days = openfinance_days_to_load(loaded, TODAY, catch_up_days=5)
    assert (days.start, days.end) == ("2026-03-07", "2026-03-10")


def test_with_every_past_day_loaded_only_today_is_loaded_again() -> None:
    loaded = ["2026-03-05", "2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"]
    days = openfinance_days_to_load(loaded, TODAY, catch_up_days=5)
    assert (days.start, days.end) == ("2026-03-10", "2026-03-10")
