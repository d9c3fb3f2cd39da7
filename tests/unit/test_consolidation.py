import itertools
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from core_ledger.consolidation import DayTotals, consolidate


def test_quiet_days_carry_the_balance() -> None:
    days = consolidate(
        500,
        {date(2026, 3, 1): DayTotals(10_000, 2_550, 1, 1), date(2026, 3, 3): DayTotals(1, 0, 1, 0)},
        date(2026, 3, 1),
        date(2026, 3, 4),
    )
    assert [(d.business_date.day, d.opening_minor, d.closing_minor) for d in days] == [
        (1, 500, 7_950),
        (2, 7_950, 7_950),
        (3, 7_950, 7_951),
        (4, 7_951, 7_951),
    ]
    assert days[0].credit_count == 1 and days[1].credit_count == 0


@given(
    opening=st.integers(-(10**12), 10**12),
    movements=st.lists(
        st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)), min_size=1, max_size=40
    ),
)
def test_each_day_opens_at_the_previous_close(
    opening: int, movements: list[tuple[int, int]]
) -> None:
    first = date(2026, 1, 1)
    totals = {
        date.fromordinal(first.toordinal() + i): DayTotals(credits, debits)
        for i, (credits, debits) in enumerate(movements)
    }
    last = date.fromordinal(first.toordinal() + len(movements) - 1)
    days = consolidate(opening, totals, first, last)
    assert days[0].opening_minor == opening
    for previous, current in itertools.pairwise(days):
        assert current.opening_minor == previous.closing_minor
    for day in days:
        assert day.closing_minor == day.opening_minor + day.credits_minor - day.debits_minor
    assert days[-1].closing_minor == opening + sum(c - d for c, d in movements)
