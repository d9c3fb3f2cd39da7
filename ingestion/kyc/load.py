"""Land the KYC provider's answers about a list of CPFs or CNPJs in `raw`, tokenized, once a day.
The list is the onboarding register's customers due for a check (ingestion/kyc/screening.py).

Tables:
- `raw.kyc_cnpj_results`, `raw.kyc_cpf_results`: one row per (document_token, fetched_date), the
  São Paulo date of the lookup. A re-run the same day adds nothing (documents already answered
  today are not even looked up again); a run the next day adds a new row, so the history of a
  company's status stays. Found (200), not found (404) and refused by the provider (400) are all
  rows, told apart by `http_status` and `result`. The payload is kept as jsonb with every valid
  CPF or CNPJ in it masked (the queried one, a partner company's, one inside a message).
- `raw.kyc_documents_restricted` (ingestion/kyc/restricted.py): token -> clear document. It is
  the one place in the warehouse where a clear document lives; grant it to no analyst role.

Documents failing validation (check digits, length, repeated digits) are never sent out: they go
to `raw._quarantine` with the reason (keyed and shown by token and masked form), as do 200
answers that cannot be read. If more than `max_error_rate` of a run's documents end there,
nothing else is loaded and TooManyRejected is raised.

Everything is fetched first; then the rows, the restricted entries and the quarantined records
commit in one warehouse transaction under an advisory lock, so a failure midway leaves nothing.
"""

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg
from psycopg import sql
from pydantic import BaseModel, ValidationError

from ingestion.business_day import business_date, business_today
from ingestion.documents import (
    Document,
    DocumentKind,
    InvalidDocument,
    mask_document,
    mask_documents_in_text,
    normalize_document,
    tokenize,
    validate_document,
)
from ingestion.kyc.client import ClientStats, KycClient, ProviderAnswer
from ingestion.kyc.models import CnpjRecord, CpfStatus, ProviderError
from ingestion.kyc.restricted import (
    RestrictedDocument,
    ensure_restricted_table,
    remember_documents,
)
from ingestion.warehouse import (
    RejectedRecord,
    TooManyRejected,
    check_error_rate,
    quarantine,
)

# The register validates documents on write, so what fails here is mostly an answer that cannot
# be read: a few a run are followed up from the quarantine; far more means the provider changed
# its format, or the documents come from somewhere that does not validate them.
DEFAULT_MAX_ERROR_RATE = 0.2

KYC_TABLES_DDL = """
create table if not exists raw.kyc_cnpj_results (
    document_token              text not null,
    document_masked             text not null,
    fetched_date                date not null,
    fetched_at                  timestamptz not null,
    http_status                 integer not null,
    result                      text not null,
    error_message               text,
    razao_social                text,
    nome_fantasia               text,
    situacao_cadastral          integer,
    situacao                    text,
    data_situacao_cadastral     date,
    motivo_situacao_cadastral   text,
    cnae_fiscal                 text,
    cnae_fiscal_descricao       text,
    codigo_natureza_juridica    text,
    porte                       text,
    capital_social              numeric(20, 2),
    opcao_pelo_simples          boolean,
    opcao_pelo_mei              boolean,
    data_inicio_atividade       date,
    uf                          text,
    municipio                   text,
    cep                         text,
    partner_count               integer,
    payload_sha256              text not null,
    payload                     jsonb,
    _loaded_at                  timestamptz not null default now(),
    _source                     text not null,
    _batch_id                   uuid not null,
    primary key (document_token, fetched_date)
);

create table if not exists raw.kyc_cpf_results (
    document_token   text not null,
    document_masked  text not null,
    fetched_date     date not null,
    fetched_at       timestamptz not null,
    http_status      integer not null,
    result           text not null,
    error_message    text,
    situacao         text,
    data_inscricao   date,
    ano_obito        integer,
    payload_sha256   text not null,
    payload          jsonb,
    _loaded_at       timestamptz not null default now(),
    _source          text not null,
    _batch_id        uuid not null,
    primary key (document_token, fetched_date)
);

-- The latest load is read by its _loaded_at (data-quality checks).
create index if not exists kyc_cnpj_results_loaded_at on raw.kyc_cnpj_results (_loaded_at);
"""

_COMMON_COLUMNS = (
    "document_token",
    "document_masked",
    "fetched_date",
    "fetched_at",
    "http_status",
    "result",
    "error_message",
)
CNPJ_COLUMNS = (
    *_COMMON_COLUMNS,
    "razao_social",
    "nome_fantasia",
    "situacao_cadastral",
    "situacao",
    "data_situacao_cadastral",
    "motivo_situacao_cadastral",
    "cnae_fiscal",
    "cnae_fiscal_descricao",
    "codigo_natureza_juridica",
    "porte",
    "capital_social",
    "opcao_pelo_simples",
    "opcao_pelo_mei",
    "data_inicio_atividade",
    "uf",
    "municipio",
    "cep",
    "partner_count",
    "payload_sha256",
    "payload",
)
CPF_COLUMNS = (
    *_COMMON_COLUMNS,
    "situacao",
    "data_inscricao",
    "ano_obito",
    "payload_sha256",
    "payload",
)
_RESULT_BY_STATUS = {200: "found", 404: "not_found", 400: "rejected_by_provider"}


@dataclass(frozen=True)
class _Source:
    kind: DocumentKind
    table: str
    columns: tuple[str, ...]
    model: type[BaseModel]
    typed: Callable[[Any], tuple[Any, ...]]  # the typed columns of a found record

    @property
    def name(self) -> str:
        return f"kyc_{self.kind}"


def _cnpj_typed(record: CnpjRecord) -> tuple[Any, ...]:
    return (
        record.razao_social,
        record.nome_fantasia,
        record.situacao_cadastral,
        record.situacao,
        record.data_situacao_cadastral,
        record.motivo_situacao_cadastral,
        record.cnae_fiscal,
        record.cnae_fiscal_descricao,
        record.codigo_natureza_juridica,
        record.porte,
        record.capital_social,
        record.opcao_pelo_simples,
        record.opcao_pelo_mei,
        record.data_inicio_atividade,
        record.uf,
        record.municipio,
        record.cep,
        len(record.qsa),
    )


def _cpf_typed(record: CpfStatus) -> tuple[Any, ...]:
    return (record.situacao, record.data_inscricao, record.ano_obito)


SOURCES: dict[DocumentKind, _Source] = {
    "cnpj": _Source("cnpj", "kyc_cnpj_results", CNPJ_COLUMNS, CnpjRecord, _cnpj_typed),
    "cpf": _Source("cpf", "kyc_cpf_results", CPF_COLUMNS, CpfStatus, _cpf_typed),
}


@dataclass(frozen=True)
class KycLoadResult:
    batch_id: str
    kind: DocumentKind
    fetched_date: date
    documents_seen: int  # distinct documents in the input, valid or not
    rows_loaded: int = 0
    already_loaded_today: int = 0
    found: int = 0
    not_found: int = 0
    rejected_by_provider: int = 0
    invalid_documents: int = 0
    unreadable_answers: int = 0
    rows_quarantined: int = 0  # newly quarantined: a record quarantined before is not repeated
    client_stats: ClientStats = field(default_factory=ClientStats)


def ensure_kyc_tables(conn: psycopg.Connection) -> None:
    ensure_restricted_table(conn)
    conn.execute(KYC_TABLES_DDL)


def load_kyc_results(
    client: KycClient,
    warehouse_dsn: str,
    documents: Sequence[str],
    kind: DocumentKind,
    *,
    token_key: str,
    max_error_rate: float = DEFAULT_MAX_ERROR_RATE,
) -> KycLoadResult:
    """Look up each of `documents` (CPFs or CNPJs, masked or not) not answered yet today, and land
    the answers. Raises TooManyRejected (after quarantining) or the client's KycError (having
    written nothing)."""
    source = SOURCES[kind]
    batch_id = str(uuid.uuid4())
    today = business_today()
    plan = _Plan.of(documents, kind, token_key)
    total = len(plan.valid) + len(plan.invalid)
    already = _answered_on(warehouse_dsn, source, today, [t for t, _ in plan.valid])
    to_fetch = [(token, document) for token, document in plan.valid if token not in already]

    failure: TooManyRejected | None = None
    rows: list[tuple[Any, ...]] = []
    unreadable: list[RejectedRecord] = []
    counts = {"found": 0, "not_found": 0, "rejected_by_provider": 0}
    try:
        check_error_rate(source.name, len(plan.invalid), total, max_error_rate)
    except TooManyRejected as error:
        failure = error  # too many bad documents: do not call the provider at all
    if failure is None:
        for token, document in to_fetch:
            answer = client.lookup(document)
            row, rejected = _row(source, token, answer)
            if rejected is not None:
                unreadable.append(rejected)
                continue
            rows.append(row)
            counts[_RESULT_BY_STATUS[answer.http_status]] += 1
        try:
            check_error_rate(
                source.name, len(plan.invalid) + len(unreadable), total, max_error_rate
            )
        except TooManyRejected as error:
            failure = error

    to_quarantine = plan.rejected_records(kind) + unreadable
    with psycopg.connect(warehouse_dsn) as conn, conn.transaction():
        # Serializes runs, and the DDL with them (concurrent `create table if not exists` race).
        conn.execute("select pg_advisory_xact_lock(hashtext('raw.kyc_results'))")
        ensure_kyc_tables(conn)
        _remember_documents(conn, source, batch_id, plan)
        quarantined = quarantine(conn, source.name, batch_id, to_quarantine)
        loaded = 0 if failure is not None else _copy_rows(conn, source, batch_id, rows)
    if failure is not None:
        raise failure
    return KycLoadResult(
        batch_id=batch_id,
        kind=kind,
        fetched_date=today,
        documents_seen=total,
        rows_loaded=loaded,
        already_loaded_today=len(already) + len(rows) - loaded,
        invalid_documents=len(plan.invalid),
        unreadable_answers=len(unreadable),
        rows_quarantined=quarantined,
        client_stats=client.stats,
        **counts,
    )


@dataclass(frozen=True)
class _Invalid:
    token: str
    normalized: str
    reason: str


@dataclass(frozen=True)
class _Plan:
    """The input documents, deduplicated by token and sorted out before anything is fetched."""

    valid: list[tuple[str, Document]]
    invalid: list[_Invalid]

    @classmethod
    def of(cls, documents: Sequence[str], kind: DocumentKind, token_key: str) -> "_Plan":
        valid: list[tuple[str, Document]] = []
        invalid: list[_Invalid] = []
        seen: set[str] = set()
        for raw in documents:
            token = tokenize(raw, token_key)
            if token in seen:
                continue
            seen.add(token)
            try:
                valid.append((token, validate_document(raw, kind)))
            except InvalidDocument as error:
                invalid.append(_Invalid(token, normalize_document(raw), str(error)))
        return cls(valid, invalid)

    def rejected_records(self, kind: DocumentKind) -> list[RejectedRecord]:
        return [
            RejectedRecord(
                record_key=f"{kind}:{item.token}",
                payload=json.dumps(
                    {
                        "document_kind": kind,
                        "document_token": item.token,
                        "document_masked": mask_document(item.normalized),
                    }
                ),
                reason=f"invalid {kind.upper()}: {item.reason}",
            )
            for item in self.invalid
        ]


def _answered_on(warehouse_dsn: str, source: _Source, day: date, tokens: list[str]) -> set[str]:
    """Tokens with an answer for `day` already: a same-day re-run does not look them up again."""
    with psycopg.connect(warehouse_dsn, autocommit=True) as conn:
        exists = conn.execute("select to_regclass(%s)", (f"raw.{source.table}",)).fetchone()
        if exists is None or exists[0] is None:
            return set()
        found = conn.execute(
            sql.SQL(
                "select document_token from raw.{} where fetched_date = %s"
                " and document_token = any(%s)"
            ).format(sql.Identifier(source.table)),
            (day, tokens),
        ).fetchall()
    return {row[0] for row in found}


def _row(
    source: _Source, token: str, answer: ProviderAnswer
) -> tuple[tuple[Any, ...], RejectedRecord | None]:
    """The table row of an answer, or the quarantine record of a 200 that cannot be read."""
    document = answer.document
    payload = scrub_documents(answer.body, document)
    payload_text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(payload_text.encode()).hexdigest()
    typed: tuple[Any, ...] = (None,) * (len(source.columns) - len(_COMMON_COLUMNS) - 2)
    error_message: str | None = None
    if answer.http_status == 200:
        try:
            if not isinstance(answer.body, dict):
                raise TypeError(f"a JSON object was expected, not {type(answer.body).__name__}")
            typed = source.typed(source.model.model_validate(answer.body))
        except (ValidationError, TypeError) as error:
            reason = _scrub_text(str(error).splitlines()[0:3], document)
            return (), RejectedRecord(
                record_key=f"{source.kind}:{token}:{business_date(answer.fetched_at)}",
                payload=payload_text,
                reason=f"unreadable {source.kind.upper()} answer: {reason}",
            )
    else:
        body = answer.body if isinstance(answer.body, dict) else {"message": str(answer.body)}
        try:
            error_message = ProviderError.model_validate(body).message
        except ValidationError:
            error_message = None
        error_message = scrub_documents(error_message, document) if error_message else None
    row = (
        token,
        document.masked,
        business_date(answer.fetched_at),
        answer.fetched_at,
        answer.http_status,
        _RESULT_BY_STATUS[answer.http_status],
        error_message,
        *typed,
        digest,
        payload_text,
    )
    return row, None


def _scrub_text(lines: list[str], document: Document) -> str:
    text = " | ".join(line.strip() for line in lines)
    return str(scrub_documents(text, document))


def scrub_documents(value: Any, document: Document) -> Any:
    """`value` (parsed JSON) with `document` and every other valid CPF/CNPJ masked, wherever it
    is: a field of its own, a number that lost its leading zeros, a partner's, inside a message."""
    clear = document.value
    width = len(clear)
    if isinstance(value, dict):
        return {
            scrub_documents(k, document): scrub_documents(v, document) for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub_documents(item, document) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        if clear.isdigit() and str(value).zfill(width) == clear:
            return document.masked
        return value
    if isinstance(value, str):
        masked = mask_documents_in_text(value)
        # Glued to other text ('CNPJ12345678000195') it escapes the pattern's word boundaries.
        return masked.replace(clear, document.masked)
    return value


def _remember_documents(
    conn: psycopg.Connection, source: _Source, batch_id: str, plan: _Plan
) -> None:
    documents = [
        RestrictedDocument(token, source.kind, doc.value, is_valid=True)
        for token, doc in plan.valid
    ] + [
        RestrictedDocument(item.token, source.kind, item.normalized, is_valid=False)
        for item in plan.invalid
    ]
    remember_documents(conn, documents, source.name, batch_id)


def _copy_rows(
    conn: psycopg.Connection, source: _Source, batch_id: str, rows: list[tuple[Any, ...]]
) -> int:
    """COPY the rows into a temp table, then insert those not there yet; returns how many."""
    if not rows:
        return 0
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in source.columns)
    incoming = sql.Identifier(f"incoming_{source.table}")
    conn.execute(
        sql.SQL(
            "create temp table {incoming} on commit drop as"
            " select {columns} from raw.{table} limit 0"
        ).format(incoming=incoming, columns=columns, table=sql.Identifier(source.table))
    )
    with (
        conn.cursor() as cursor,
        cursor.copy(sql.SQL("copy {} ({}) from stdin").format(incoming, columns)) as copy,
    ):
        for row in rows:
            copy.write_row(row)
    inserted = conn.execute(
        sql.SQL(
            "with inserted as ("
            " insert into raw.{table} ({columns}, _source, _batch_id)"
            " select {columns}, %s, %s from {incoming}"
            " on conflict (document_token, fetched_date) do nothing returning 1)"
            " select count(*) from inserted"
        ).format(table=sql.Identifier(source.table), columns=columns, incoming=incoming),
        (source.name, batch_id),
    ).fetchone()
    assert inserted is not None
    return int(inserted[0])
