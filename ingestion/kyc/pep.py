"""Land the provider's list of politically exposed persons (PEPs) in `raw.kyc_pep_register`.

One row per entry version: `entry_sha256` hashes the entry as landed (the CPF's token, never the
clear CPF, so the hash cannot be reversed by enumerating CPFs), and the table's key is
(document_token, entry_sha256), so a re-run adds nothing unless an entry is new or changed (a
mandate that ended, say). The clear CPF goes to raw.kyc_documents_restricted only.

Entries that cannot be read, or whose CPF fails validation, go to `raw._quarantine` (source
`kyc_pep`) with the reason and every valid document in the payload masked. If more than
`max_error_rate` of the list ends there, nothing else is loaded and TooManyRejected is raised.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg
from pydantic import ValidationError

from ingestion.documents import (
    InvalidDocument,
    mask_document,
    mask_documents_in_text,
    normalize_document,
    tokenize,
    validate_document,
)
from ingestion.kyc.client import ClientStats, KycClient
from ingestion.kyc.load import DEFAULT_MAX_ERROR_RATE
from ingestion.kyc.models import PepEntry
from ingestion.kyc.restricted import (
    RestrictedDocument,
    ensure_restricted_table,
    remember_documents,
)
from ingestion.warehouse import RejectedRecord, TooManyRejected, check_error_rate, quarantine

SOURCE = "kyc_pep"

PEP_TABLE_DDL = """
create table if not exists raw.kyc_pep_register (
    document_token  text not null,
    document_masked text not null,
    pep_name        text not null,
    pep_role        text,
    pep_organ       text,
    mandate_start   date,
    mandate_end     date,
    entry_sha256    text not null,
    fetched_at      timestamptz not null,
    _loaded_at      timestamptz not null default now(),
    _source         text not null,
    _batch_id       uuid not null,
    primary key (document_token, entry_sha256)
);
"""

PEP_COLUMNS = (
    "document_token",
    "document_masked",
    "pep_name",
    "pep_role",
    "pep_organ",
    "mandate_start",
    "mandate_end",
    "entry_sha256",
    "fetched_at",
)


@dataclass(frozen=True)
class PepLoadResult:
    batch_id: str
    entries_seen: int
    pages: int
    rows_loaded: int = 0  # new or changed entries
    rows_quarantined: int = 0  # newly quarantined: one quarantined before is not repeated
    invalid_entries: int = 0  # unreadable or with an invalid CPF, this run
    client_stats: ClientStats = field(default_factory=ClientStats)


def ensure_pep_table(conn: psycopg.Connection) -> None:
    ensure_restricted_table(conn)
    conn.execute(PEP_TABLE_DDL)


def load_pep_register(
    client: KycClient,
    warehouse_dsn: str,
    *,
    token_key: str,
    max_error_rate: float = DEFAULT_MAX_ERROR_RATE,
) -> PepLoadResult:
    """Fetch the whole list, then land it in one warehouse transaction. Raises TooManyRejected
    (after quarantining) or the client's KycError (having written nothing)."""
    batch_id = str(uuid.uuid4())
    served = client.pep_list()
    rows: dict[tuple[str, str], tuple[Any, ...]] = {}
    documents: dict[str, RestrictedDocument] = {}
    rejected: list[RejectedRecord] = []
    for entry in served.entries:
        outcome = _read_entry(entry, token_key)
        if isinstance(outcome, RejectedRecord):
            rejected.append(outcome)
            continue
        row, document = outcome
        rows[(row[0], row[7])] = (*row, served.fetched_at)
        documents[document.token] = document
    failure: TooManyRejected | None = None
    try:
        check_error_rate(SOURCE, len(rejected), len(served.entries), max_error_rate)
    except TooManyRejected as error:
        failure = error
    with psycopg.connect(warehouse_dsn) as conn, conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('raw.kyc_pep_register'))")
        ensure_pep_table(conn)
        quarantined = quarantine(conn, SOURCE, batch_id, rejected)
        loaded = 0
        if failure is None:
            remember_documents(conn, list(documents.values()), SOURCE, batch_id)
            loaded = _insert_new(conn, list(rows.values()), batch_id)
    if failure is not None:
        raise failure
    return PepLoadResult(
        batch_id=batch_id,
        entries_seen=len(served.entries),
        pages=served.pages,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
        invalid_entries=len(rejected),
        client_stats=client.stats,
    )


def _read_entry(
    entry: Any, token_key: str
) -> tuple[tuple[Any, ...], RestrictedDocument] | RejectedRecord:
    """The landed row (without fetched_at) and the clear CPF of an entry, or why it is rejected."""
    payload = mask_documents_in_text(json.dumps(entry, ensure_ascii=False, sort_keys=True))
    try:
        parsed = PepEntry.model_validate(entry)
    except ValidationError as error:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) or "entry" for e in error.errors())
        return RejectedRecord(
            record_key=f"entry:{hashlib.sha256(payload.encode()).hexdigest()}",
            payload=payload,
            reason=f"unreadable PEP entry: {fields} missing or malformed",
        )
    token = tokenize(parsed.cpf, token_key)
    try:
        document = validate_document(parsed.cpf, "cpf")
    except InvalidDocument as error:
        # The clear value may fail the masking pattern (a digit short, say): mask it by hand.
        masked_payload = payload.replace(parsed.cpf, mask_document(parsed.cpf))
        return RejectedRecord(
            record_key=f"cpf:{token}",
            payload=masked_payload.replace(
                normalize_document(parsed.cpf), mask_document(parsed.cpf)
            ),
            reason=f"invalid CPF on the PEP list: {error}",
        )
    landed = (
        token,
        document.masked,
        parsed.name,
        parsed.role,
        parsed.organ,
        parsed.mandate_start,
        parsed.mandate_end,
    )
    digest = hashlib.sha256(json.dumps(landed, default=str).encode()).hexdigest()
    return (*landed, digest), RestrictedDocument(token, "cpf", document.value, is_valid=True)


def _insert_new(conn: psycopg.Connection, rows: list[tuple[Any, ...]], batch_id: str) -> int:
    if not rows:
        return 0
    columns = ", ".join(PEP_COLUMNS)
    placeholders = ", ".join(["%s"] * (len(PEP_COLUMNS) + 2))
    inserted = 0
    with conn.cursor() as cursor:
        for row in rows:
            cursor.execute(
                f"insert into raw.kyc_pep_register ({columns}, _source, _batch_id)"
                f" values ({placeholders}) on conflict (document_token, entry_sha256) do nothing",
                (*row, SOURCE, batch_id),
            )
            inserted += cursor.rowcount
    return inserted
