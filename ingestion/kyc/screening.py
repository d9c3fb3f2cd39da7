"""Which customers of the onboarding register a KYC run checks: the new, the changed, the stale.

The register (`onboarding.customers` in the ledger database) is the list of people and companies
Fluxo answers for: PJ customers are looked up by CNPJ, PF customers by CPF. It holds documents in
clear; they are read here into memory and handed to the load (ingestion/kyc/load.py), which sends
them to the provider and lands only tokens outside `raw.kyc_documents_restricted`.

A check is recorded by the provider's answer in `raw.kyc_<kind>_results` (one row per document
token and São Paulo day, found, not found or refused alike). A customer is due when:
- new: its document was never answered (a new customer, or one whose document changed: a new
  token);
- changed: the register changed it (`updated_at`) after its latest answer, since what it declared
  (its activity, revenue, contacts) is what the answer is compared with;
- stale: its latest answer is `rescreen_after_days` days old or more (KYC is kept up to date: a
  company becomes INAPTA or BAIXADA, a person's CPF is suspended, with no change on our side).
An answer that could not be read is quarantined, not recorded: its customer stays due.

Each run reads the whole register once (a keyed hash per customer) and looks the tokens' latest
answers up by the results table's primary key, which leads with the token.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

import psycopg
from psycopg import sql

from ingestion.business_day import business_today
from ingestion.documents import DocumentKind, tokenize
from ingestion.kyc.load import SOURCES

PERSON_TYPE: dict[DocumentKind, str] = {"cnpj": "PJ", "cpf": "PF"}


@dataclass(frozen=True)
class DueCustomers:
    """The documents a run looks up, and why. The documents are clear: keep them in memory."""

    kind: DocumentKind
    documents: list[str] = field(repr=False)
    in_register: int  # customers of this kind (PJ for CNPJs, PF for CPFs)
    new: int
    changed: int
    stale: int
    rescreen_after_days: int

    @property
    def due(self) -> int:
        return len(self.documents)

    def summary(self) -> str:
        """One line for the run's metadata, without a document."""
        person_type = PERSON_TYPE[self.kind]
        if not self.in_register:
            return f"nothing due: the onboarding register has no {person_type} customer"
        if not self.documents:
            return (
                f"nothing due: each of the {self.in_register} {person_type} customers"
                " was checked since its last change, within the last "
                f"{self.rescreen_after_days} days"
            )
        return (
            f"{self.due} of {self.in_register} {person_type} customers due: "
            f"{self.new} new, {self.changed} changed, {self.stale} stale"
        )


@dataclass(frozen=True)
class _LatestAnswer:
    fetched_date: date
    fetched_at: datetime


def customers_due(
    ledger_dsn: str,
    warehouse_dsn: str,
    kind: DocumentKind,
    *,
    token_key: str,
    rescreen_after_days: int,
) -> DueCustomers:
    """The register's customers of `kind` due for a check today (São Paulo), in customer order."""
    register = _register(ledger_dsn, kind)
    tokens = [tokenize(document, token_key) for document, _ in register]
    latest = _latest_answers(warehouse_dsn, kind, tokens)
    today = business_today()
    documents: list[str] = []
    counts = {"new": 0, "changed": 0, "stale": 0}
    for (document, updated_at), token in zip(register, tokens, strict=True):
        answer = latest.get(token)
        if answer is None:
            reason = "new"
        elif updated_at > answer.fetched_at:
            reason = "changed"
        elif (today - answer.fetched_date).days >= rescreen_after_days:
            reason = "stale"
        else:
            continue
        counts[reason] += 1
        documents.append(document)
    return DueCustomers(
        kind=kind,
        documents=documents,
        in_register=len(register),
        rescreen_after_days=rescreen_after_days,
        **counts,
    )


def _register(ledger_dsn: str, kind: DocumentKind) -> list[tuple[str, datetime]]:
    """(document, updated_at) of the register's customers of `kind`, by customer_id."""
    with psycopg.connect(ledger_dsn, autocommit=True) as conn:
        rows = conn.execute(
            "select document, updated_at from onboarding.customers"
            " where person_type = %s order by customer_id",
            (PERSON_TYPE[kind],),
        ).fetchall()
    return [(row[0], row[1]) for row in rows]


def _latest_answers(
    warehouse_dsn: str, kind: DocumentKind, tokens: list[str]
) -> dict[str, _LatestAnswer]:
    """The latest recorded answer of each token that has one (the table's key leads by token)."""
    table = SOURCES[kind].table
    with psycopg.connect(warehouse_dsn, autocommit=True) as conn:
        exists = conn.execute("select to_regclass(%s)", (f"raw.{table}",)).fetchone()
        if exists is None or exists[0] is None:
            return {}
        rows = conn.execute(
            sql.SQL(
                "select document_token, max(fetched_date), max(fetched_at) from raw.{}"
                " where document_token = any(%s) group by document_token"
            ).format(sql.Identifier(table)),
            (tokens,),
        ).fetchall()
    return {row[0]: _LatestAnswer(row[1], row[2]) for row in rows}
