"""The ledger tables copied to `raw`, with the columns and natural key of each."""

from dataclasses import dataclass


@dataclass(frozen=True)
class LedgerTable:
    source_table: str
    raw_table: str
    columns: tuple[str, ...]
    natural_key: tuple[str, ...]
    ddl_columns: str

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

LEDGER_TABLES = (MERCHANTS, ENTRIES)
