"""Balances of an account: current (posted, pending, available), as of an instant, its statement
(extrato) with a running balance, and daily balances from the read model."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import Actor
from core_ledger.consolidation import DailyBalance, consolidate
from core_ledger.errors import InvalidDateRange
from core_ledger.models import Account
from core_ledger.pagination import decode_cursor, encode_cursor
from core_ledger.repositories import read_model, transfers
from core_ledger.services.projector import CONSUMER
from core_ledger.services.tenants import require_account, require_tenant

MAX_DAILY_BALANCE_DAYS = 366
DEFAULT_DAILY_BALANCE_DAYS = 30


@dataclass(frozen=True)
class Balances:
    account: Account
    as_of: datetime | None  # None: the current balances, else the posted balance then
    posted_minor: int
    pending_inflow_minor: int
    pending_outflow_minor: int
    available_minor: int


@dataclass(frozen=True)
class StatementLine:
    posting_id: int
    transfer_id: uuid.UUID
    occurred_at: datetime
    description: str
    category: str | None
    direction: str
    amount_minor: int
    running_balance_minor: int


@dataclass(frozen=True)
class Statement:
    account: Account
    first: date
    last: date
    opening_minor: int  # the balance before the first line of this page
    lines: list[StatementLine]
    next_cursor: str | None


@dataclass(frozen=True)
class DailyBalances:
    account: Account
    days: list[DailyBalance]
    projected_until: datetime | None  # when the read model last caught up with the outbox


def current_or_as_of(
    sessions: sessionmaker[Session], actor: Actor, account_id: uuid.UUID, as_of: datetime | None
) -> Balances:
    with sessions() as session:
        account = require_account(session, account_id, actor)
        if as_of is None:
            return Balances(
                account,
                None,
                account.posted_balance_minor,
                account.pending_inflow_minor,
                account.pending_outflow_minor,
                account.available_balance_minor,
            )
        # "As of" counts what was effective then (occurred_at), as the statement does.
        debits, credits = transfers.net_before(
            session, account_id, as_of + timedelta(microseconds=1)
        )
        posted = _normal(account, debits, credits)
        return Balances(account, as_of, posted, 0, 0, posted)


def statement(
    sessions: sessionmaker[Session],
    actor: Actor,
    account_id: uuid.UUID,
    first: date | None,
    last: date | None,
    cursor: str | None,
    limit: int,
) -> Statement:
    with sessions() as session:
        account = require_account(session, account_id, actor)
        zone = _zone(session, account)
        first, last = _date_range(zone, first, last, max_days=None)
        start, end = _bounds(zone, first, last)
        after = None
        if cursor:
            position = decode_cursor(cursor, "occurred_at", "posting_id")
            after = (datetime.fromisoformat(position["occurred_at"]), int(position["posting_id"]))
        debits, credits = (
            transfers.net_before(session, account_id, after[0], after[1])
            if after
            else transfers.net_before(session, account_id, start)
        )
        opening = _normal(account, debits, credits)
        # One more than asked: whether it exists says if there is a next page.
        rows = transfers.statement_page(session, account_id, start, end, after, limit + 1)
        has_more, rows = len(rows) > limit, rows[:limit]
        lines, balance = [], opening
        for posting, transfer in rows:
            balance += posting.amount_minor * (
                1 if posting.direction == account.normal_side else -1
            )
            lines.append(
                StatementLine(
                    posting.posting_id,
                    transfer.transfer_id,
                    posting.occurred_at,
                    transfer.description,
                    transfer.category,
                    posting.direction,
                    posting.amount_minor,
                    balance,
                )
            )
        next_cursor = None
        if has_more:
            last_posting = rows[-1][0]
            next_cursor = encode_cursor(
                {
                    "occurred_at": last_posting.occurred_at.isoformat(),
                    "posting_id": last_posting.posting_id,
                }
            )
        return Statement(account, first, last, opening, lines, next_cursor)


def daily_balances(
    sessions: sessionmaker[Session],
    actor: Actor,
    account_id: uuid.UUID,
    first: date | None,
    last: date | None,
    now: datetime | None = None,
) -> DailyBalances:
    """Opening, credits, debits and closing per business day (the tenant's zone), from the read
    model: as fresh as the projector, which reports when it last caught up."""
    with sessions() as session:
        account = require_account(session, account_id, actor)
        zone = _zone(session, account)
        first, last = _date_range(zone, first, last, MAX_DAILY_BALANCE_DAYS, now)
        debits, credits = read_model.totals_before(session, account_id, first)
        days = consolidate(
            _normal(account, debits, credits),
            read_model.totals_between(session, account_id, first, last),
            first,
            last,
            account.normal_side,
        )
        checkpoint = read_model.get_checkpoint(session, CONSUMER)
        return DailyBalances(account, days, checkpoint.updated_at if checkpoint else None)


def _normal(account: Account, debits: int, credits: int) -> int:
    return debits - credits if account.normal_side == "debit" else credits - debits


def _zone(session: Session, account: Account) -> ZoneInfo:
    return ZoneInfo(require_tenant(session, account.tenant_id).timezone)


def _date_range(
    zone: ZoneInfo,
    first: date | None,
    last: date | None,
    max_days: int | None,
    now: datetime | None = None,
) -> tuple[date, date]:
    """Defaults to the last 30 business days up to today in the tenant's zone."""
    today = (now or datetime.now(zone)).astimezone(zone).date()
    last = last or today
    first = first or last - timedelta(days=DEFAULT_DAILY_BALANCE_DAYS - 1)
    if first > last:
        raise InvalidDateRange(f"from ({first}) is after to ({last})")
    if max_days is not None and (last - first).days + 1 > max_days:
        raise InvalidDateRange(f"at most {max_days} days per request")
    return first, last


def _bounds(zone: ZoneInfo, first: date, last: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(first, time.min, zone),
        datetime.combine(last + timedelta(days=1), time.min, zone),
    )
