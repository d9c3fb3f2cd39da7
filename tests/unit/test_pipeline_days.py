"""Which Open Finance booking days a pipeline run loads."""

from datetime import date

import pytest

from fluxo.pipeline import BackfillRangeError, backfill_days, openfinance_days_to_load

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


def test_a_backfill_range_is_one_range_of_business_dates() -> None:
    days = backfill_days(date(2026, 2, 1), date(2026, 3, 10), TODAY)
    assert (days.start, days.end) == ("2026-02-01", "2026-03-10")


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (date(2026, 3, 5), date(2026, 3, 4), "is after --to"),
        (date(2026, 3, 5), date(2026, 3, 11), "is in the future"),
        (date(2024, 12, 31), date(2025, 1, 2), "before the first business date"),
    ],
)
def test_a_backfill_range_that_cannot_run_is_refused(first: date, last: date, message: str) -> None:
    with pytest.raises(BackfillRangeError, match=message):
        backfill_days(first, last, TODAY)
