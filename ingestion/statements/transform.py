"""Pure conversions of statement fields: amounts to centavos, OFX/CSV times to UTC, rows for raw."""

import re
import unicodedata
from collections.abc import Collection
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Literal

from ofxtools.Types import DateTime as OfxDateTime

from ingestion.business_day import BUSINESS_TIMEZONE
from ingestion.documents import mask_documents_in_text
from ingestion.statements.models import ParsedStatement, StatementHeader, StatementLine

_SIGNED = re.compile(r"^(?P<lead>[+-]?)(?P<body>[^+-]+?)(?P<trail>-?)$")
_OFX_DATE_WITH_OFFSET = re.compile(r"^(?P<date>\d{8})(?P<offset>\[.*\])$")


class InvalidField(ValueError):
    """A field's text is not a value of its kind; the message is the quarantine reason."""


def amount_to_minor(text: str, *, decimal_separator: Literal[",", "."] | None) -> int:
    """A decimal amount as integer centavos, exactly (never through float).

    With a `decimal_separator` (a CSV layout's), the other mark groups thousands, in threes only,
    so "12.34" in a decimal-comma layout is rejected instead of read as 1234. Without one (OFX,
    which has no grouping but whose Brazilian exports often use a comma), a single mark is the
    decimal one; when both appear, the last one is."""
    compact = text.strip().replace("R$", "").replace(" ", "").replace("\u00a0", "")
    signed = _SIGNED.match(compact)
    if not compact or signed is None or (signed["lead"] and signed["trail"]):
        raise InvalidField(f"amount {text!r} is not a number")
    body = signed["body"]
    negative = "-" in (signed["lead"], signed["trail"])
    if decimal_separator is None:
        marks = [c for c in body if c in ",."]
        decimal = marks[-1] if marks else "."
        grouping = ("." if decimal == "," else ",") if len(set(marks)) == 2 else None
    else:
        decimal = decimal_separator
        grouping = "." if decimal == "," else ","
    integer = r"\d+" if grouping is None else rf"(?:\d{{1,3}}(?:{re.escape(grouping)}\d{{3}})+|\d+)"
    shape = re.compile(rf"^(?P<int>{integer})(?:{re.escape(decimal)}(?P<frac>\d+))?$")
    match = shape.match(body)
    if match is None:
        raise InvalidField(f"amount {text!r} is not a number")
    digits = match["int"].replace(grouping or "", "")
    value = Decimal(f"{digits}.{match['frac'] or '0'}") * 100
    if value != value.to_integral_value():
        raise InvalidField(f"amount {text!r} has fractions of a centavo")
    minor = int(value)
    return -minor if negative else minor


def ofx_datetime_to_utc(text: str) -> datetime:
    """An OFX date-time (`20261103120000[-3:GMT]`, `20261103`, ...) as an aware UTC datetime.

    A value without an offset is read as Brazilian local time, not GMT as the OFX spec says:
    Brazilian banks write local dates, and reading `20261103` as GMT would put the line on the
    previous business day."""
    value = text.strip()
    # Some banks give a bare date with an offset, which the OFX grammar only allows after a time.
    bare_date = _OFX_DATE_WITH_OFFSET.match(value)
    if bare_date:
        value = f"{bare_date['date']}000000{bare_date['offset']}"
    has_offset = value.endswith("]")
    try:
        converted: datetime = OfxDateTime().convert(value)
    except (ValueError, TypeError) as error:
        raise InvalidField(f"date-time {text!r} is not an OFX date-time") from error
    if has_offset:
        return converted.astimezone(UTC)
    return converted.replace(tzinfo=BUSINESS_TIMEZONE).astimezone(UTC)


def local_date_to_utc(day: date) -> datetime:
    """A statement date that carries no time: the start of that business day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=BUSINESS_TIMEZONE).astimezone(UTC)


def normalize_label(text: str) -> str:
    """Text compared without case, accents or repeated spaces ("Lançamento" == "LANCAMENTO")."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def opening_balance(header: StatementHeader, full_history_accounts: Collection[str]) -> int | None:
    """The balance before the statement's first line, when known: stated by the file, or zero
    for an account whose statements are known to start at its opening."""
    if header.opening_balance_minor is not None:
        return header.opening_balance_minor
    if header.account_id is not None and header.account_id in full_history_accounts:
        return 0
    return None


def ledger_balance_matches(
    statement: ParsedStatement, full_history_accounts: Collection[str]
) -> bool | None:
    """Whether opening balance + loaded lines = the closing balance the file states; None when
    either balance is unknown. A rejected line makes it false, which is the point: a line is
    missing from what was loaded."""
    opening = opening_balance(statement.header, full_history_accounts)
    closing = statement.header.ledger_balance_minor
    if opening is None or closing is None:
        return None
    return opening + statement.lines_total_minor == closing


LINE_COLUMNS = (
    "file_checksum",
    "line_number",
    "bank_id",
    "branch_id",
    "account_id",
    "fitid",
    "trntype",
    "amount_minor",
    "currency",
    "posted_at",
    "posted_date",
    "description",
    "reference",
)

LineRow = tuple[
    str, int, str | None, str | None, str | None, str | None, str, int, str, datetime, date, str,
    str | None,
]  # fmt: skip


def line_row(file_checksum: str, header: StatementHeader, line: StatementLine) -> LineRow:
    """A line as a row of raw.statement_lines, in LINE_COLUMNS order. Banks write the
    counterparty's CPF/CNPJ into descriptions ("PIX RECEBIDO 123.456.789-09 ..."): it is masked,
    since clear documents live only in the restricted KYC table."""
    return (
        file_checksum,
        line.line_number,
        header.bank_id,
        header.branch_id,
        header.account_id,
        line.fitid,
        line.trntype,
        line.amount_minor,
        line.currency,
        line.posted_at,
        line.posted_date,
        mask_documents_in_text(line.description),
        None if line.reference is None else mask_documents_in_text(line.reference),
    )
