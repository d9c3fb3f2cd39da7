from collections import defaultdict
from datetime import date

from core_ledger.money import parse_amount
from fluxo.demo_workload import MERCHANTS, demo_entries

TODAY = date(2026, 11, 22)


def test_workload_is_deterministic_with_unique_external_ids() -> None:
    first = list(demo_entries(TODAY, 60))
    assert first == list(demo_entries(TODAY, 60))
    assert len({entry.external_id for entry in first}) == len(first)


def test_every_merchant_has_at_least_30_business_days_of_credits_and_debits() -> None:
    days_with_credits: dict[str, set[date]] = defaultdict(set)
    days_with_debits: dict[str, set[date]] = defaultdict(set)
    for entry in demo_entries(TODAY, 60):
        day = entry.occurred_at.date()
        target = days_with_credits if entry.entry_type == "credit" else days_with_debits
        target[entry.merchant_id].add(day)
    for profile in MERCHANTS:
        business_days = {d for d in days_with_credits[profile.merchant_id] if d.weekday() < 5}
        assert len(business_days) >= 30, profile.merchant_id
        assert len(days_with_debits[profile.merchant_id]) >= 10, profile.merchant_id


def test_amounts_are_valid_and_balances_stay_positive() -> None:
    balances: dict[str, int] = defaultdict(int)
    for entry in sorted(demo_entries(TODAY, 60), key=lambda e: e.occurred_at):
        minor = parse_amount(entry.amount)
        balances[entry.merchant_id] += minor if entry.entry_type == "credit" else -minor
        assert balances[entry.merchant_id] >= 0, entry
