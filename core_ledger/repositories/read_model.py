"""The daily balances read model and the projector's checkpoint."""

import uuid
from collections.abc import Mapping
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core_ledger.consolidation import DayTotals
from core_ledger.models import Checkpoint, DailyAccountTotals


def lock_checkpoint(session: Session, consumer: str) -> Checkpoint:
    """The consumer's position, locked: two projectors never apply the same events."""
    session.execute(
        text(
            "insert into read_model.checkpoints (consumer, last_xid, last_event_id) "
            "values (:consumer, '0', 0) on conflict do nothing"
        ),
        {"consumer": consumer},
    )
    statement = select(Checkpoint).where(Checkpoint.consumer == consumer).with_for_update()
    return session.scalars(statement).one()


def get_checkpoint(session: Session, consumer: str) -> Checkpoint | None:
    return session.get(Checkpoint, consumer)


def save_checkpoint(session: Session, consumer: str, last_xid: str, last_event_id: int) -> None:
    session.execute(
        text(
            "update read_model.checkpoints set last_xid = cast(:xid as xid8), "
            "last_event_id = :event_id, updated_at = now() where consumer = :consumer"
        ),
        {"xid": last_xid, "event_id": last_event_id, "consumer": consumer},
    )


def add_totals(session: Session, totals: Mapping[tuple[uuid.UUID, date], DayTotals]) -> None:
    """Add each (account, business day)'s totals to what the read model already holds."""
    if not totals:
        return
    keys = list(totals)
    session.execute(
        text(
            """
            insert into read_model.daily_account_totals as daily
            select * from unnest(cast(:accounts as uuid[]), cast(:dates as date[]),
                cast(:debits as bigint[]), cast(:credits as bigint[]),
                cast(:debit_counts as int[]), cast(:credit_counts as int[]))
            on conflict (account_id, business_date) do update set
                debits_minor = daily.debits_minor + excluded.debits_minor,
                credits_minor = daily.credits_minor + excluded.credits_minor,
                debit_count = daily.debit_count + excluded.debit_count,
                credit_count = daily.credit_count + excluded.credit_count
            """
        ),
        {
            "accounts": [account for account, _ in keys],
            "dates": [day for _, day in keys],
            "debits": [totals[k].debits_minor for k in keys],
            "credits": [totals[k].credits_minor for k in keys],
            "debit_counts": [totals[k].debit_count for k in keys],
            "credit_counts": [totals[k].credit_count for k in keys],
        },
    )


def totals_before(session: Session, account_id: uuid.UUID, first: date) -> tuple[int, int]:
    """(debits, credits) of the account's business days before `first`."""
    statement = select(
        func.coalesce(func.sum(DailyAccountTotals.debits_minor), 0),
        func.coalesce(func.sum(DailyAccountTotals.credits_minor), 0),
    ).where(DailyAccountTotals.account_id == account_id, DailyAccountTotals.business_date < first)
    debits, credits = session.execute(statement).one()
    return int(debits), int(credits)


def totals_between(
    session: Session, account_id: uuid.UUID, first: date, last: date
) -> dict[date, DayTotals]:
    statement = select(DailyAccountTotals).where(
        DailyAccountTotals.account_id == account_id,
        DailyAccountTotals.business_date.between(first, last),
    )
    return {
        row.business_date: DayTotals(
            credits_minor=row.credits_minor,
            debits_minor=row.debits_minor,
            credit_count=row.credit_count,
            debit_count=row.debit_count,
        )
        for row in session.scalars(statement)
    }
