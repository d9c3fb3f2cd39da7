"""`raw.kyc_documents_restricted`: the one warehouse table that holds clear CPF/CNPJ numbers.

Loads that meet a clear document (the KYC lookups, the PEP list, the onboarding register's copy)
record token -> document here and land only the token elsewhere. Grant it to no analyst role.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg

from ingestion.documents import DocumentKind
from ingestion.warehouse import ensure_raw_schema

RESTRICTED_TABLE_DDL = """
create table if not exists raw.kyc_documents_restricted (
    document_token text primary key,
    document_kind  text not null check (document_kind in ('cpf', 'cnpj')),
    document       text not null,
    is_valid       boolean not null,
    first_seen_at  timestamptz not null default now(),
    _source        text not null,
    _batch_id      uuid not null
);
comment on table raw.kyc_documents_restricted is
    'RESTRICTED: the only warehouse table holding clear CPF/CNPJ numbers (document_token -> '
    'document). Written by the loads of ingestion/kyc and the onboarding register copy '
    '(ingestion/ledger); join by document_token elsewhere.';
"""


@dataclass(frozen=True)
class RestrictedDocument:
    token: str
    kind: DocumentKind
    document: str  # normalised
    is_valid: bool


def ensure_restricted_table(conn: psycopg.Connection) -> None:
    ensure_raw_schema(conn)
    conn.execute(RESTRICTED_TABLE_DDL)


def remember_documents(
    conn: psycopg.Connection,
    documents: Sequence[RestrictedDocument],
    source: str,
    batch_id: str,
) -> None:
    """Record token -> clear document in the caller's transaction; a known token is kept as is."""
    if not documents:
        return
    with conn.cursor() as cursor:
        cursor.executemany(
            "insert into raw.kyc_documents_restricted"
            " (document_token, document_kind, document, is_valid, _source, _batch_id)"
            " values (%s, %s, %s, %s, %s, %s) on conflict (document_token) do nothing",
            [(d.token, d.kind, d.document, d.is_valid, source, batch_id) for d in documents],
        )
