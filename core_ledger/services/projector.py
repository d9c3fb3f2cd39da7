"""The daily balances read model, kept by consuming the outbox (CQRS).

The write path never waits for this. Each step reads the events of transactions below the
snapshot's xmin after the checkpoint, adds them up per account and business day, and moves the
checkpoint, all in one transaction: a crash repeats a step, never half of one.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.consolidation import DayTotals
from core_ledger.repositories import outbox, read_model

CONSUMER = "daily_balances"
BATCH_SIZE = 5000


@dataclass(frozen=True)
class Progress:
    events: int
    last_xid: str
    last_event_id: int


def project_pending(sessions: sessionmaker[Session], batch_size: int = BATCH_SIZE) -> int:
    """Apply every event committed so far; returns how many were read."""
    total = 0
    while True:
        progress = project_batch(sessions, batch_size)
        total += progress.events
        if progress.events < batch_size:
            return total


def project_batch(sessions: sessionmaker[Session], batch_size: int = BATCH_SIZE) -> Progress:
    with sessions.begin() as session:
        # One snapshot for xmin and the read, so "below xmin" means "visible to this read".
        session.execute(text("set transaction isolation level repeatable read"))
        checkpoint = read_model.lock_checkpoint(session, CONSUMER)
        last_xid, last_event_id = str(checkpoint.last_xid), checkpoint.last_event_id
        upper = outbox.snapshot_xmin(session)
        events = outbox.read_after(session, last_xid, last_event_id, upper, batch_size)
        if not events:
            return Progress(0, last_xid, last_event_id)
        legs = [
            (
                uuid.UUID(p["account_id"]),
                p["direction"],
                p["amount_minor"],
                e.payload["occurred_at"],
            )
            for e in events
            if e.event_type == "transfer.posted"
            for p in e.payload["postings"]
        ]
        zones = _zones(session, {account_id for account_id, *_ in legs})
        totals: dict[tuple[uuid.UUID, date], DayTotals] = defaultdict(DayTotals)
        for account_id, direction, amount, occurred_at in legs:
            day = datetime.fromisoformat(occurred_at).astimezone(zones[account_id]).date()
            totals[(account_id, day)] = totals[(account_id, day)].plus(direction, amount)
        read_model.add_totals(session, totals)
        last = events[-1]
        read_model.save_checkpoint(session, CONSUMER, last.created_xid, last.event_id)
        return Progress(len(events), last.created_xid, last.event_id)


def _zones(session: Session, account_ids: set[uuid.UUID]) -> dict[uuid.UUID, ZoneInfo]:
    rows = session.execute(
        text(
            "select a.account_id, t.timezone from ledger.accounts a "
            "join ledger.tenants t using (tenant_id) where a.account_id = any(:ids)"
        ),
        {"ids": list(account_ids)},
    )
    return {row.account_id: ZoneInfo(row.timezone) for row in rows}
