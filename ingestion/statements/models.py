"""Pydantic records of a bank statement file: its header, its lines, and the lines it rejected."""

from datetime import date
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class UnreadableStatement(Exception):
    """The file cannot be read as a statement at all; it is quarantined whole with this reason."""


class StatementFormat(StrEnum):
    OFX_SGML = "ofx-sgml"  # OFX 1.x
    OFX_XML = "ofx-xml"  # OFX 2.x
    CSV = "csv"


class StatementHeader(BaseModel):
    """What the file says about the statement as a whole."""

    model_config = ConfigDict(frozen=True)

    format: StatementFormat
    layout: str | None = None  # the CSV layout that read it
    bank_id: str | None = None  # COMPE code (341 Itaú, 237 Bradesco), as the file gives it
    branch_id: str | None = None
    account_id: str | None = None
    currency: str = Field(default="BRL", pattern=r"^[A-Z]{3}$")
    period_start_at: AwareDatetime | None = None
    period_end_at: AwareDatetime | None = None
    # Balances the file states, for checking the lines against: the closing one is OFX LEDGERBAL
    # or a CSV closing-balance row; the opening one only some files state.
    opening_balance_minor: int | None = None
    ledger_balance_minor: int | None = None
    ledger_balance_at: AwareDatetime | None = None
    ledger_balance_date: date | None = None


class StatementLine(BaseModel):
    """One transaction of a statement, validated: money in minor units, time in UTC."""

    model_config = ConfigDict(frozen=True)

    line_number: int = Field(ge=1)  # the STMTTRN's ordinal (OFX) or the physical line (CSV)
    amount_minor: int  # signed: credits positive, debits negative
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    posted_at: AwareDatetime
    posted_date: date  # business date in America/Sao_Paulo
    description: str
    trntype: str = Field(min_length=1)
    fitid: str | None = None
    reference: str | None = None  # CHECKNUM/REFNUM (OFX) or the bank's document number (CSV)


class RejectedLine(BaseModel):
    """A line that failed validation, kept as it appeared in the file, with why."""

    model_config = ConfigDict(frozen=True)

    line_number: int
    payload: str
    reason: str


class ParsedStatement(BaseModel):
    """A whole file read: every line in it is either valid, rejected, or a balance/summary row."""

    model_config = ConfigDict(frozen=True)

    header: StatementHeader
    lines: tuple[StatementLine, ...]
    rejected: tuple[RejectedLine, ...] = ()
    summary_rows: int = 0  # CSV balance and total rows: not transactions, counted to show them

    @property
    def lines_total_minor(self) -> int:
        return sum(line.amount_minor for line in self.lines)
