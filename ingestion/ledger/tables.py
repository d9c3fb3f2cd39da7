"""The ledger tables copied to `raw`, with the columns and natural key of each."""

from dataclasses import dataclass


@dataclass(frozen=True)
class LedgerTable:
    source_table: str
    raw_table: str
    columns: tuple[str, ...]
    natural_key: tuple[str, ...]
    ddl_columns: str
    # Beside the natural key, the indexes the warehouse's incremental reads need.
    indexes: tuple[tuple[str, ...], ...] = ()

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
    # dbt's tests of a daily build read the latest load only.
    indexes=(("_loaded_at",),),
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
    columns=(
        "transfer_id",
        "tenant_id",
        "currency",
        "kind",
        "reverses_transfer_id",
        "hold_id",
        "external_id",
        "description",
        "category",
        "occurred_at",
        "created_at",
    ),
    natural_key=("transfer_id",),
    ddl_columns="""
        transfer_id          uuid not null,
        tenant_id            text not null,
        currency             text not null,
        kind                 text not null,
        reverses_transfer_id uuid,
        hold_id              uuid,
        external_id          text,
        description          text not null,
        category             text,
        occurred_at          timestamptz not null,
        created_at           timestamptz not null""",
    indexes=(("_loaded_at",),),
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
    # dbt's incremental models read the postings loaded since their last run, and an account's
    # postings from the first day they recompute: a daily run must not read the whole history.
    indexes=(("_loaded_at",), ("account_id", "occurred_at")),
)

# Parents before children: all come from one ledger snapshot, so a posting never lands without its
# transfer and account. `merchants` and `entries` are the foundation's views over the same rows,
# which the daily cash-flow mart reads.
LEDGER_TABLES = (TENANTS, ACCOUNTS, TRANSFERS, POSTINGS, MERCHANTS, ENTRIES)
