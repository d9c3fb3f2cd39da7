"""Pure conversions of Open Finance records into raw rows, rejects and booking-date windows."""

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ingestion.documents import mask_documents_in_text, tokenize
from ingestion.openfinance.models import Account, Balances, Transaction
from ingestion.warehouse import RejectedRecord

ACCOUNT_COLUMNS = (
    "account_id",
    "brand_name",
    "company_cnpj_token",
    "account_type",
    "compe_code",
    "branch_code",
    "number",
    "check_digit",
)
BALANCE_COLUMNS = (
    "account_id",
    "updated_at",
    "available_amount_minor",
    "blocked_amount_minor",
    "automatically_invested_amount_minor",
    "currency",
)
TRANSACTION_COLUMNS = (
    "account_id",
    "transaction_id",
    "status",
    "is_final",
    "credit_debit",
    "transaction_name",
    "transaction_type",
    "amount_minor",
    "signed_amount_minor",
    "currency",
    "transaction_at",
    "booking_date",
    "partie_document_token",
    "partie_person_type",
    "partie_compe_code",
    "partie_branch_code",
    "partie_number",
    "partie_check_digit",
)

Row = tuple[Any, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass
class RecordSplit:
    """Rows ready for raw and the records that failed validation, from the same input."""

    rows: list[Row] = field(default_factory=list)
    rejected: list[RejectedRecord] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return len(self.rows) + len(self.rejected)

    def extend(self, other: "RecordSplit") -> None:
        self.rows.extend(other.rows)
        self.rejected.extend(other.rejected)


def payload_text(record: object) -> str:
    """The record as JSON for quarantine, with any CPF/CNPJ in it masked (clear documents live
    only in the restricted KYC table). Decimals, read with parse_float=Decimal, stay as written."""
    return mask_documents_in_text(
        json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
    )


def document_token(document: str | None, token_key: str) -> str | None:
    return None if document is None else tokenize(document, token_key)


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _reason(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "record"
        parts.append(f"{where}: {problem['msg']}")
    return "; ".join(parts)


def _split(
    kind: str,
    records: Iterable[Mapping[str, Any]],
    model: type[M],
    key: Callable[[Mapping[str, Any]], str],
    row: Callable[[M], Row],
) -> RecordSplit:
    split = RecordSplit()
    for record in records:
        try:
            parsed = model.model_validate(record)
        except (ValidationError, ValueError) as error:
            text = payload_text(record)
            reason = _reason(error) if isinstance(error, ValidationError) else str(error)
            # The payload's checksum is part of the key: a record corrected later is quarantined
            # again if it breaks differently, yet a re-run does not repeat the same reject.
            split.rejected.append(
                RejectedRecord(f"{kind}:{key(record)}:{_checksum(text)}", text, f"{kind}: {reason}")
            )
            continue
        split.rows.append(row(parsed))
    return split


def _text_field(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    return value if isinstance(value, str) and value else "?"


def read_accounts(
    records: Iterable[Mapping[str, Any]], token_key: str
) -> tuple[list[Account], RecordSplit]:
    """Valid accounts (to fetch balances and transactions for) and their raw rows, the
    institution's CNPJ tokenized."""
    accounts: list[Account] = []

    def row(account: Account) -> Row:
        accounts.append(account)
        return (
            account.account_id,
            account.brand_name,
            document_token(account.company_cnpj, token_key),
            account.account_type,
            account.compe_code,
            account.branch_code,
            account.number,
            account.check_digit,
        )

    split = _split("accounts", records, Account, lambda r: _text_field(r, "accountId"), row)
    return accounts, split


def read_balances(account_id: str, records: Iterable[Mapping[str, Any]]) -> RecordSplit:
    def row(balances: Balances) -> Row:
        return (
            account_id,
            balances.updated_at,
            balances.available.amount_minor,
            balances.blocked.amount_minor,
            balances.automatically_invested.amount_minor,
            balances.available.currency,
        )

    return _split("balances", records, Balances, lambda _: account_id, row)


def transaction_row(account_id: str, txn: Transaction, token_key: str) -> Row:
    return (
        account_id,
        txn.transaction_id,
        txn.status.value,
        txn.is_final,
        txn.credit_debit.value,
        txn.transaction_name,
        txn.transaction_type,
        txn.amount.amount_minor,
        txn.signed_amount_minor,
        txn.amount.currency,
        txn.transaction_at,
        txn.booking_date,
        document_token(txn.partie_cnpj_cpf, token_key),
        txn.partie_person_type,
        txn.partie_compe_code,
        txn.partie_branch_code,
        txn.partie_number,
        txn.partie_check_digit,
    )


_IS_FINAL = TRANSACTION_COLUMNS.index("is_final")


def read_transactions(
    account_id: str, records: Iterable[Mapping[str, Any]], token_key: str
) -> RecordSplit:
    """Rows of one account's transactions, one per transactionId, the counterparty's CPF/CNPJ
    tokenized.

    Overlapping pages can repeat a transaction; a final version beats a pending one, otherwise
    the later one wins (one upsert cannot touch the same key twice)."""
    split = _split(
        "transactions",
        records,
        Transaction,
        lambda r: f"{account_id}:{_text_field(r, 'transactionId')}",
        lambda txn: transaction_row(account_id, txn, token_key),
    )
    by_id: dict[str, Row] = {}
    for row in split.rows:
        kept = by_id.get(row[1])
        if kept is None or row[_IS_FINAL] or not kept[_IS_FINAL]:
            by_id[row[1]] = row
    split.rows = list(by_id.values())
    return split


@dataclass(frozen=True)
class BookingWindow:
    from_date: date
    to_date: date


def booking_window(
    from_date: date, to_date: date, watermark: date | None, *, overlap_days: int
) -> BookingWindow:
    """The booking dates to fetch for [from_date, to_date]: from `overlap_days` before the asked
    start, or before the last loaded date when that is earlier (days missed are caught up), so
    late bookings and pending transactions that settle are read again."""
    start = from_date if watermark is None else min(from_date, watermark)
    return BookingWindow(start - timedelta(days=overlap_days), to_date)


def parse_watermark(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def advanced_watermark(current: date | None, to_date: date) -> date:
    """Watermarks only move forward: back-filling an old day never rewinds them."""
    return max(current, to_date) if current is not None else to_date
