"""A transfer's counterparty: the other party's CPF/CNPJ, name and country, all optional.

AML rule 11 (counterparties in high-risk jurisdictions) needs the country; the document lets the
warehouse join the counterparty with KYC data by token. Holds carry the same columns, which their
posting transfer copies. Existing rows have no counterparty (nulls); adding nullable columns
without defaults rewrites no row, so the append-only transfers table is not touched.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("transfers", "holds")


def upgrade() -> None:
    for table in TABLES:
        op.execute(
            f"""
            alter table ledger.{table}
                add column counterparty_document text,
                add column counterparty_name     text,
                add column counterparty_country  text,
                -- Normalised: 11 digits for a CPF; 12 of [0-9A-Z] and 2 check digits for a CNPJ.
                add constraint ck_{table}_counterparty_document_format check (
                    counterparty_document ~ '^([0-9]{{11}}|[0-9A-Z]{{12}}[0-9]{{2}})$'
                ),
                add constraint ck_{table}_counterparty_name_length
                    check (char_length(counterparty_name) between 1 and 200),
                add constraint ck_{table}_counterparty_country_iso3166
                    check (counterparty_country ~ '^[A-Z]{{2}}$')
            """
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(
            f"""
            alter table ledger.{table}
                drop column counterparty_document,
                drop column counterparty_name,
                drop column counterparty_country
            """
        )
