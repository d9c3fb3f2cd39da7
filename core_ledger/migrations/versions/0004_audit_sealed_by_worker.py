"""Audit records are sealed into the hash chain by the worker, not by the writing transaction.

Writers append to `ledger.audit_pending`, which no transaction but the sealer's ever locks, so
transfers on different accounts no longer queue behind one chain head. The sealer moves pending
records into `ledger.audit_log` in one transaction: it locks the head, deletes what is pending,
and appends it chained. A record is in exactly one of the two tables at any time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        create table ledger.audit_pending (
            pending_id  bigint generated always as identity primary key,
            recorded_at timestamptz not null,
            principal   text not null,
            action      text not null,
            request_id  text,
            entity_type text not null,
            entity_id   text not null,
            before      jsonb,
            after       jsonb
        );
        -- Only the sealer removes rows (as it chains them); nobody edits them.
        create trigger audit_pending_unchanged before update or truncate on ledger.audit_pending
            for each statement execute function ledger.refuse_change();
        """
    )


def downgrade() -> None:
    pending = op.get_bind().scalar(text("select count(*) from ledger.audit_pending"))
    if pending:
        raise RuntimeError(
            f"{pending} audit records are not sealed yet: run `fluxo audit verify` (it seals "
            "them) before downgrading, or they would be lost"
        )
    op.execute("drop table ledger.audit_pending")
