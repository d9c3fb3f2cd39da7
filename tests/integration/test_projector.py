"""The daily-balances read model: built from the outbox while writers commit out of order; it
stops, falls behind, catches up, and always equals the postings to the centavo."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import cli_actor
from core_ledger.services import merchants
from core_ledger.services.projector import project_pending

ACTOR = cli_actor("tests")


def _read_model_differences(
    ledger_conn: psycopg.Connection, tenants: list[str]
) -> list[tuple[object, ...]]:
    """Rows, for the tenants' accounts, where the read model and a direct aggregate of the
    postings disagree. (Other tests write postings as raw rows, with no outbox event.)"""
    return ledger_conn.execute(
        """
        with direct as (
            select p.account_id, (p.occurred_at at time zone t.timezone)::date as business_date,
                   sum(p.amount_minor) filter (where p.direction = 'debit') as debits,
                   sum(p.amount_minor) filter (where p.direction = 'credit') as credits,
                   count(*) as postings
            from ledger.postings p
            join ledger.accounts a using (account_id)
            join ledger.tenants t using (tenant_id)
            where t.tenant_id = any(%(tenants)s)
            group by 1, 2
        ),
        projected as (
            select r.* from read_model.daily_account_totals r
            join ledger.accounts a using (account_id)
            where a.tenant_id = any(%(tenants)s)
        )
        select coalesce(d.account_id, r.account_id), coalesce(d.business_date, r.business_date),
               d.debits, r.debits_minor, d.credits, r.credits_minor,
               d.postings, r.debit_count + r.credit_count
        from direct d
        full join projected r using (account_id, business_date)
        where coalesce(d.debits, 0) <> coalesce(r.debits_minor, 0)
           or coalesce(d.credits, 0) <> coalesce(r.credits_minor, 0)
           or d.postings is distinct from (r.debit_count + r.credit_count)
        """,
        {"tenants": tenants},
    ).fetchall()


def _post_credits(
    sessions: sessionmaker[Session], merchant_id: str, count: int, start: datetime
) -> None:
    for n in range(count):
        merchants.record_entry(
            sessions,
            ACTOR,
            merchant_id,
            merchants.NewEntry("credit", 100 + n, start + timedelta(hours=n), "venda", "vendas"),
        )


def test_projection_while_writers_race_equals_the_postings(
    ledger_sessions: sessionmaker[Session],
    ledger_conn: psycopg.Connection,
    merchant_id: str,
) -> None:
    writers = 6
    ids = [f"{merchant_id}-{n}" for n in range(writers)]
    for tenant in ids:
        merchants.register_merchant(ledger_sessions, ACTOR, merchants.NewMerchant(tenant, "M"))
    stop = threading.Event()

    def project_continuously() -> None:
        while not stop.is_set():
            project_pending(ledger_sessions, batch_size=7)  # small batches: many boundaries

    projector = threading.Thread(target=project_continuously)
    projector.start()
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    try:
        with ThreadPoolExecutor(writers) as pool:
            list(pool.map(lambda tenant: _post_credits(ledger_sessions, tenant, 40, start), ids))
    finally:
        stop.set()
        projector.join()
    project_pending(ledger_sessions)
    assert _read_model_differences(ledger_conn, ids) == []


def test_stopped_projector_catches_up_without_gap_or_double_count(
    ledger_sessions: sessionmaker[Session],
    ledger_conn: psycopg.Connection,
    merchant: str,
    project: Callable[[], int],
) -> None:
    project()
    # Stopped: writes go on.
    _post_credits(ledger_sessions, merchant, 25, datetime(2026, 4, 1, 2, tzinfo=UTC))
    assert _read_model_differences(ledger_conn, [merchant]) != []
    # Restarted: it catches up; run again, nothing changes.
    assert project() >= 25
    assert _read_model_differences(ledger_conn, [merchant]) == []
    assert project() == 0
    assert _read_model_differences(ledger_conn, [merchant]) == []
