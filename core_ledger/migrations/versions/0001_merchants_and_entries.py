"""Merchants and their credit and debit entries.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core_ledger.models.base import Xid8

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "merchants",
        sa.Column("merchant_id", sa.String(63), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(3), server_default="BRL", nullable=False),
        sa.Column("timezone", sa.Text(), server_default="America/Sao_Paulo", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "created_xid", Xid8(), server_default=sa.text("pg_current_xact_id()"), nullable=False
        ),
        sa.CheckConstraint("merchant_id ~ '^[a-z0-9][a-z0-9-]{1,62}$'", name="merchant_id_format"),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        schema="ledger",
    )
    op.create_table(
        "entries",
        sa.Column("entry_id", sa.Uuid(), primary_key=True),
        sa.Column(
            "merchant_id",
            sa.String(63),
            sa.ForeignKey("ledger.merchants.merchant_id"),
            nullable=False,
        ),
        sa.Column("entry_type", sa.String(6), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "created_xid", Xid8(), server_default=sa.text("pg_current_xact_id()"), nullable=False
        ),
        sa.CheckConstraint("entry_type in ('credit', 'debit')", name="entry_type_known"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_iso4217"),
        sa.UniqueConstraint("merchant_id", "external_id"),
        schema="ledger",
    )
    op.create_index(
        "ix_entries_merchant_id_occurred_at",
        "entries",
        ["merchant_id", "occurred_at"],
        schema="ledger",
    )
    op.create_index("ix_entries_created_xid", "entries", ["created_xid"], schema="ledger")
    op.create_index("ix_merchants_created_xid", "merchants", ["created_xid"], schema="ledger")


def downgrade() -> None:
    op.drop_table("entries", schema="ledger")
    op.drop_table("merchants", schema="ledger")
