"""Daily consolidation: an opening balance and per-day totals become a carried daily series."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class DayTotals:
    credits_minor: int = 0
    debits_minor: int = 0
    credit_count: int = 0
    debit_count: int = 0

    def plus(self, direction: str, amount_minor: int) -> "DayTotals":
        if direction == "credit":
            return DayTotals(
                self.credits_minor + amount_minor,
                self.debits_minor,
                self.credit_count + 1,
                self.debit_count,
            )
        return DayTotals(
            self.credits_minor,
            self.debits_minor + amount_minor,
            self.credit_count,
            self.debit_count + 1,
        )


@dataclass(frozen=True)
class DailyBalance:
    business_date: date
    opening_minor: int
    credits_minor: int
    debits_minor: int
    closing_minor: int
    credit_count: int
    debit_count: int


def consolidate(
    opening_minor: int,
    totals_by_day: Mapping[date, DayTotals],
    first: date,
    last: date,
    normal_side: str = "credit",
) -> list[DailyBalance]:
    """One row per day from `first` to `last`: days without entries carry the previous closing.
    Balances are on the account's normal side: credits raise a credit-normal account (a
    merchant's cash), debits raise a debit-normal one."""
    sign = 1 if normal_side == "credit" else -1
    days: list[DailyBalance] = []
    balance = opening_minor
    day = first
    while day <= last:
        totals = totals_by_day.get(day, DayTotals())
        closing = balance + sign * (totals.credits_minor - totals.debits_minor)
        days.append(
            DailyBalance(
                business_date=day,
                opening_minor=balance,
                credits_minor=totals.credits_minor,
                debits_minor=totals.debits_minor,
                closing_minor=closing,
                credit_count=totals.credit_count,
                debit_count=totals.debit_count,
            )
        )
        balance = closing
        day += timedelta(days=1)
    return days
