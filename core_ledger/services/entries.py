"""Recording credit and debit entries, and the daily balances they add up to."""

import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from core_ledger.consolidation import DailyBalance, consolidate
from core_ledger.errors import (
    CurrencyMismatch,
    DuplicateExternalId,
    EntryNotFound,
    InvalidDateRange,
)
from core_ledger.models import Entry
from core_ledger.repositories import entries
from core_ledger.services.idempotency import IdempotentRequest, Outcome, run_once
from core_ledger.services.merchants import require_merchant

MAX_DAILY_BALANCE_DAYS = 366
DEFAULT_DAILY_BALANCE_DAYS = 30


@dataclass(frozen=True)
class NewEntry:
    entry_type: str
    amount_minor: int
    occurred_at: datetime
    description: str
    category: str
    currency: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class DailyBalances:
    merchant_id: str
    currency: str
    days: list[DailyBalance]


def record_entry(
    sessions: sessionmaker[Session],
    merchant_id: str,
    new: NewEntry,
    idempotent: IdempotentRequest | None = None,
) -> Outcome[Entry]:
    with sessions.begin() as session:
        return run_once(
            session,
            idempotent,
            create=lambda: _insert_entry(session, merchant_id, new),
            reload=lambda entry_id: _entry_made_earlier(session, merchant_id, entry_id),
        )


def _insert_entry(session: Session, merchant_id: str, new: NewEntry) -> tuple[Entry, str]:
    merchant = require_merchant(session, merchant_id)
    currency = new.currency or merchant.currency
    if currency != merchant.currency:
        raise CurrencyMismatch(
            f"merchant {merchant_id!r} keeps its books in {merchant.currency}, not {currency}"
        )
    values = asdict(new) | {"merchant_id": merchant_id, "currency": currency}
    entry = entries.insert_unless_duplicate(session, values)
    if entry is None:
        assert new.external_id is not None  # only a repeated external_id can conflict
        existing = entries.get_by_external_id(session, merchant_id, new.external_id)
        raise DuplicateExternalId(
            f"merchant {merchant_id!r} already has an entry with external_id {new.external_id!r}",
            entry_id=str(existing.entry_id) if existing else None,
        )
    return entry, str(entry.entry_id)


def _entry_made_earlier(session: Session, merchant_id: str, entry_id: str) -> Entry:
    entry = entries.get(session, merchant_id, uuid.UUID(entry_id))
    assert entry is not None  # entries are never deleted
    return entry


def get_entry(sessions: sessionmaker[Session], merchant_id: str, entry_id: uuid.UUID) -> Entry:
    with sessions() as session:
        require_merchant(session, merchant_id)
        entry = entries.get(session, merchant_id, entry_id)
        if entry is None:
            raise EntryNotFound(f"merchant {merchant_id!r} has no entry {entry_id}")
        return entry


def daily_balances(
    sessions: sessionmaker[Session],
    merchant_id: str,
    first: date | None,
    last: date | None,
    now: datetime | None = None,
) -> DailyBalances:
    """Opening, credits, debits and closing per business day of the merchant, gaps carried.

    Defaults to the last 30 business days up to today in the merchant's time zone.
    """
    with sessions() as session:
        merchant = require_merchant(session, merchant_id)
        zone = ZoneInfo(merchant.timezone)
        today = (now or datetime.now(zone)).astimezone(zone).date()
        last = last or today
        first = first or last - timedelta(days=DEFAULT_DAILY_BALANCE_DAYS - 1)
        if first > last:
            raise InvalidDateRange(f"from ({first}) is after to ({last})")
        if (last - first).days + 1 > MAX_DAILY_BALANCE_DAYS:
            raise InvalidDateRange(f"at most {MAX_DAILY_BALANCE_DAYS} days per request")
        start = datetime.combine(first, time.min, zone)
        end = datetime.combine(last + timedelta(days=1), time.min, zone)
        opening = entries.balance_before(session, merchant_id, start)
        totals = entries.totals_by_business_day(session, merchant_id, merchant.timezone, start, end)
        return DailyBalances(
            merchant_id=merchant_id,
            currency=merchant.currency,
            days=consolidate(opening, totals, first, last),
        )
