"""The ledger tables copied to `raw`, with the columns and natural key of each."""

from dataclasses import dataclass
from typing import Literal

from ingestion.ledger.protect import (
    AUDIT_COLUMNS,
    ONBOARDING_SOURCE_COLUMNS,
    TRANSFER_COLUMNS,
    TRANSFER_LANDED_COLUMNS,
    TRANSFER_SOURCE_COLUMNS,
    RowRewrite,
    mask_audit_record,
    tokenize_counterparty,
    tokenize_customer,
)


@dataclass(frozen=True)
class LedgerTable:
    source_table: str
    raw_table: str
    columns: tuple[str, ...]
    natural_key: tuple[str, ...]
    ddl_columns: str
    # How new rows are found: "xid", rows whose writing transaction (`xid_column`) finished since
    # the last load; "seq", rows whose `seq` passed the last one loaded (see AUDIT_LOG).
    watermark: Literal["xid", "seq"] = "xid"
    xid_column: str = "created_xid"
    # Rows carrying personal data are read as `source_columns` and rewritten into `columns`.
    source_columns: tuple[str, ...] | None = None
    rewrite: RowRewrite | None = None
    needs_token_key: bool = False
    # When few rows need the rewrite: only those matching `rewrite_when` (SQL on the source row)
    # go through Python; the others stream with COPY as `plain_columns` (SQL expressions giving
    # `columns`), as fast as a table without personal data.
    rewrite_when: str | None = None
    plain_columns: tuple[str, ...] | None = None
    # Beside the natural key, the indexes the warehouse's incremental reads need.
    indexes: tuple[tuple[str, ...], ...] = ()
    # Columns (name, type) added after the table first shipped: a warehouse loaded by an earlier
    # version gets them, nullable, on its next load. `ddl_columns` lists them too, for new tables.
    added_columns: tuple[tuple[str, str], ...] = ()

    @property
    def watermark_source(self) -> str:
        return f"ledger:{self.source_table}"


MERCHANTS = LedgerTable(
    source_table="ledger.merchants",
    raw_table="raw.ledger_merchants",
    columns=("merchant_id", "name", "currency", "timezone", "created_at"),
    natural_key=("merchant_id",),
    ddl_columns="""
        merchant_id text not null,
        name        text not null,
        currency    text not null,
        timezone    text not null,
        created_at  timestamptz not null""",
)

ENTRIES = LedgerTable(
    source_table="ledger.entries",
    raw_table="raw.ledger_entries",
    columns=(
        "entry_id",
        "merchant_id",
        "entry_type",
        "amount_minor",
        "currency",
        "occurred_at",
        "description",
        "category",
        "external_id",
        "created_at",
    ),
    # An entry is a posting on a merchant's cash account: a transfer between two merchants is an
    # entry of each.
    natural_key=("entry_id", "merchant_id"),
    ddl_columns="""
        entry_id     uuid not null,
        merchant_id  text not null,
        entry_type   text not null,
        amount_minor bigint not null,
        currency     text not null,
        occurred_at  timestamptz not null,
        description  text not null,
        category     text not null,
        external_id  text,
        created_at   timestamptz not null""",
)

TENANTS = LedgerTable(
    source_table="ledger.tenants",
    raw_table="raw.ledger_tenants",
    columns=("tenant_id", "name", "kind", "currency", "timezone", "created_at"),
    natural_key=("tenant_id",),
    ddl_columns="""
        tenant_id  text not null,
        name       text not null,
        kind       text not null,
        currency   text not null,
        timezone   text not null,
        created_at timestamptz not null""",
)

# An account as opened: what it is, not its running totals, which the postings carry.
ACCOUNTS = LedgerTable(
    source_table="ledger.accounts",
    raw_table="raw.ledger_accounts",
    columns=(
        "account_id",
        "tenant_id",
        "code",
        "name",
        "currency",
        "account_type",
        "normal_side",
        "balance_policy",
        "overdraft_limit_minor",
        "created_at",
    ),
    natural_key=("account_id",),
    ddl_columns="""
        account_id            uuid not null,
        tenant_id             text not null,
        code                  text not null,
        name                  text not null,
        currency              text not null,
        account_type          text not null,
        normal_side           text not null,
        balance_policy        text not null,
        overdraft_limit_minor bigint not null,
        created_at            timestamptz not null""",
)

TRANSFERS = LedgerTable(
    source_table="ledger.transfers",
    raw_table="raw.ledger_transfers",
    columns=TRANSFER_LANDED_COLUMNS,
    natural_key=("transfer_id",),
    ddl_columns="""
        transfer_id                  uuid not null,
        tenant_id                    text not null,
        currency                     text not null,
        kind                         text not null,
        reverses_transfer_id         uuid,
        hold_id                      uuid,
        external_id                  text,
        description                  text not null,
        category                     text,
        occurred_at                  timestamptz not null,
        created_at                   timestamptz not null,
        counterparty_document_token  text,
        counterparty_document_masked text,
        counterparty_name            text,
        counterparty_country         text""",
    # The counterparty (ledger migration 0006): the document lands tokenized and masked.
    source_columns=TRANSFER_SOURCE_COLUMNS,
    rewrite=tokenize_counterparty,
    needs_token_key=True,
    # Most transfers name no counterparty document: those need no token.
    rewrite_when="counterparty_document is not null",
    plain_columns=(
        *TRANSFER_COLUMNS,
        "null::text",
        "null::text",
        "counterparty_name",
        "counterparty_country",
    ),
    added_columns=(
        ("counterparty_document_token", "text"),
        ("counterparty_document_masked", "text"),
        ("counterparty_name", "text"),
        ("counterparty_country", "text"),
    ),
)

POSTINGS = LedgerTable(
    source_table="ledger.postings",
    raw_table="raw.ledger_postings",
    columns=(
        "posting_id",
        "transfer_id",
        "account_id",
        "direction",
        "amount_minor",
        "balance_after_minor",
        "account_version",
        "occurred_at",
        "posted_at",
    ),
    natural_key=("posting_id",),
    ddl_columns="""
        posting_id          bigint not null,
        transfer_id         uuid not null,
        account_id          uuid not null,
        direction           text not null,
        amount_minor        bigint not null,
        balance_after_minor bigint not null,
        account_version     bigint not null,
        occurred_at         timestamptz not null,
        posted_at           timestamptz not null""",
    # dbt's incremental models read an account's postings from the first day they recompute
    # (the postings loaded since their last run, by the `_loaded_at` index every raw ledger table
    # has): a daily run must not read the whole history.
    indexes=(("account_id", "occurred_at"),),
)

# The onboarding register, append-only in raw: a customer's row is written again by each change
# (its trigger stamps `version_xid`), and lands as a new version keyed by `updated_at`.
ONBOARDING_CUSTOMERS = LedgerTable(
    source_table="onboarding.customers",
    raw_table="raw.onboarding_customers",
    columns=(
        "customer_id",
        "person_type",
        "document_token",
        "document_masked",
        "legal_name",
        "declared_cnae",
        "declared_monthly_revenue_minor",
        "currency",
        "contact_email_token",
        "contact_phone_token",
        "expected_payment_mix",
        "onboarded_at",
        "updated_at",
    ),
    natural_key=("customer_id", "updated_at"),
    ddl_columns="""
        customer_id                    text not null,
        person_type                    text not null,
        document_token                 text not null,
        document_masked                text not null,
        legal_name                     text not null,
        declared_cnae                  text,
        declared_monthly_revenue_minor bigint not null,
        currency                       text not null,
        contact_email_token            text,
        contact_phone_token            text,
        expected_payment_mix           text not null,
        onboarded_at                   timestamptz not null,
        updated_at                     timestamptz not null""",
    xid_column="version_xid",
    source_columns=ONBOARDING_SOURCE_COLUMNS,
    rewrite=tokenize_customer,
    needs_token_key=True,
)

# The merchants' bank accounts of the onboarding register, append-only in raw like the customers:
# one row per version, keyed by `updated_at`. Nothing personal to rewrite (company accounts).
ONBOARDING_BANK_ACCOUNTS = LedgerTable(
    source_table="onboarding.bank_accounts",
    raw_table="raw.onboarding_bank_accounts",
    columns=("merchant_id", "source", "bank_account_id", "registered_at", "updated_at"),
    natural_key=("source", "bank_account_id", "updated_at"),
    ddl_columns="""
        merchant_id     text not null,
        source          text not null,
        bank_account_id text not null,
        registered_at   timestamptz not null,
        updated_at      timestamptz not null""",
    xid_column="version_xid",
)

# Sealed audit records, by seq: the sealer extends the chain holding the head's row lock, so
# record n + 1 is written only after the transaction that wrote record n committed. Any snapshot
# that sees a record therefore sees every one before it, and "seq above the last loaded" never
# skips one.
AUDIT_LOG = LedgerTable(
    source_table="ledger.audit_log",
    raw_table="raw.ledger_audit_log",
    columns=AUDIT_COLUMNS,
    natural_key=("seq",),
    ddl_columns="""
        seq         bigint not null,
        recorded_at timestamptz not null,
        principal   text not null,
        action      text not null,
        request_id  text,
        entity_type text not null,
        entity_id   text not null,
        before      jsonb,
        after       jsonb,
        prev_hash   bytea not null,
        hash        bytea not null""",
    watermark="seq",
    rewrite=mask_audit_record,
)

# Parents before children: all come from one ledger snapshot, so a posting never lands without its
# transfer and account. `merchants` and `entries` are the foundation's views over the same rows,
# which the daily cash-flow mart reads. The bank accounts land before the entries: a load stamps
# each table after the one before it, and loads one after another, so an account registered by
# the time of an entry's load carries an earlier _loaded_at than that entry. Reconciliation relies
# on it to find the accounts registered since its last run (macros/reconciliation.sql).
LEDGER_TABLES = (
    TENANTS,
    ACCOUNTS,
    TRANSFERS,
    POSTINGS,
    MERCHANTS,
    ONBOARDING_BANK_ACCOUNTS,
    ENTRIES,
    ONBOARDING_CUSTOMERS,
    AUDIT_LOG,
)
