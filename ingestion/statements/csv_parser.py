"""Read a bank's CSV statement export with the layout whose header row it carries."""

import codecs
import csv
import re
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import ValidationError

from ingestion.statements.csv_layouts import LAYOUTS, CsvLayout
from ingestion.statements.models import (
    ParsedStatement,
    RejectedLine,
    StatementFormat,
    StatementHeader,
    StatementLine,
    UnreadableStatement,
)
from ingestion.statements.transform import (
    InvalidField,
    amount_to_minor,
    local_date_to_utc,
    normalize_label,
)


@dataclass(frozen=True)
class _Record:
    line_number: int  # the record's first physical line, 1-based, as an editor shows it
    payload: str  # the record's text as written
    cells: list[str]


def parse_csv(content: bytes, layouts: tuple[CsvLayout, ...] = LAYOUTS) -> ParsedStatement:
    """The statement in a CSV export, read with the first layout whose header row it carries
    (files are recognised by content, so a renamed file still reads)."""
    for layout in layouts:
        text = _decoded(content, layout)
        if text is None:
            continue
        records = _records(text, layout.delimiter)
        wanted = [normalize_label(column) for column in layout.columns]
        for index, record in enumerate(records):
            if _trimmed([normalize_label(cell) for cell in record.cells]) == wanted:
                return _CsvStatementReader(layout, records[:index], record).read(
                    records[index + 1 :]
                )
    names = ", ".join(layout.name for layout in layouts)
    raise UnreadableStatement(f"no known CSV layout ({names}) matches the file's header row")


def _decoded(content: bytes, layout: CsvLayout) -> str | None:
    try:
        if content.startswith(codecs.BOM_UTF8):
            return content[len(codecs.BOM_UTF8) :].decode("utf-8")
        return content.decode(layout.encoding)
    except UnicodeDecodeError:
        return None


def _records(text: str, delimiter: str) -> list[_Record]:
    lines = text.splitlines()
    reader = csv.reader(lines, delimiter=delimiter)
    records: list[_Record] = []
    start = 0
    try:
        for cells in reader:
            # A quoted field may span lines: the record runs to where the reader stopped.
            records.append(_Record(start + 1, "\n".join(lines[start : reader.line_num]), cells))
            start = reader.line_num
    except csv.Error as error:
        raise UnreadableStatement(f"CSV line {start + 1}: {error}") from error
    return records


def _trimmed(cells: list[str]) -> list[str]:
    """Cells without the empty ones a trailing delimiter leaves."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


class _CsvStatementReader:
    """Walks the rows under the header: each is a transaction, a balance row, a summary row, or
    rejected with its reason."""

    def __init__(self, layout: CsvLayout, preamble: list[_Record], header: _Record) -> None:
        self.layout = layout
        self.preamble = preamble
        self.positions = {normalize_label(cell): i for i, cell in enumerate(header.cells)}
        self.width = len(_trimmed(header.cells))

    def read(self, rows: list[_Record]) -> ParsedStatement:
        layout = self.layout
        lines: list[StatementLine] = []
        rejected: list[RejectedLine] = []
        summary_rows = 0
        opening: int | None = None
        closing: int | None = None
        closing_date: date | None = None
        for record in rows:
            cells = [cell.strip() for cell in record.cells]
            if not any(cells):
                continue  # a blank line holds nothing to lose
            labels = {
                normalize_label(cell)
                for cell in (cells[0], self._cell(cells, layout.description_column))
                if cell
            }
            try:
                if any(layout.is_label(label, layout.opening_balance_labels) for label in labels):
                    summary_rows += 1
                    if opening is None:
                        opening = self._balance(cells)
                elif any(layout.is_label(label, layout.closing_balance_labels) for label in labels):
                    summary_rows += 1
                    closing = self._balance(cells)
                    closing_date = self._date_or_none(cells)
                elif any(layout.is_label(label, layout.summary_labels) for label in labels):
                    summary_rows += 1
                else:
                    line = self._line(record.line_number, cells)
                    lines.append(line)
                    if layout.closing_from_last_balance:
                        closing = self._running_balance(cells)
                        closing_date = line.posted_date
            except (InvalidField, ValidationError) as error:
                rejected.append(RejectedLine(
                    line_number=record.line_number, payload=record.payload, reason=_reason(error)
                ))  # fmt: skip
        branch_id, account_id = self._account()
        header = StatementHeader(
            format=StatementFormat.CSV,
            layout=layout.name,
            bank_id=layout.bank_id,
            branch_id=branch_id,
            account_id=account_id,
            currency=layout.currency,
            opening_balance_minor=opening,
            ledger_balance_minor=closing,
            ledger_balance_date=closing_date,
        )
        return ParsedStatement(
            header=header, lines=tuple(lines), rejected=tuple(rejected), summary_rows=summary_rows
        )

    def _line(self, line_number: int, cells: list[str]) -> StatementLine:
        layout = self.layout
        # Fewer cells is fine (some exports drop trailing empty ones); more means a shifted row.
        if len(_trimmed(cells)) > self.width:
            raise InvalidField(
                f"has {len(_trimmed(cells))} fields where layout {layout.name} has {self.width}"
            )
        day = self._date(cells)
        amount = self._amount(cells)
        posted_at = local_date_to_utc(day)
        return StatementLine(
            line_number=line_number,
            amount_minor=amount,
            currency=layout.currency,
            posted_at=posted_at,
            posted_date=day,
            description=self._cell(cells, layout.description_column),
            trntype="CREDIT" if amount > 0 else "DEBIT" if amount < 0 else "OTHER",
            reference=self._cell(cells, layout.reference_column) or None,
        )

    def _amount(self, cells: list[str]) -> int:
        layout = self.layout
        separator = layout.decimal_separator
        if layout.amount_column is not None:
            text = self._cell(cells, layout.amount_column)
            if not text:
                raise InvalidField(f"amount ({layout.amount_column}) is empty")
            return amount_to_minor(text, decimal_separator=separator)
        credit = self._cell(cells, layout.credit_column)
        debit = self._cell(cells, layout.debit_column)
        if bool(credit) == bool(debit):
            raise InvalidField(
                f"needs exactly one of {layout.credit_column} and {layout.debit_column}"
            )
        if credit:
            return abs(amount_to_minor(credit, decimal_separator=separator))
        # Debits come signed by some exports and unsigned by others; they are debits either way.
        return -abs(amount_to_minor(debit, decimal_separator=separator))

    def _date(self, cells: list[str]) -> date:
        text = self._cell(cells, self.layout.date_column)
        try:
            return datetime.strptime(text, self.layout.date_format).date()
        except ValueError as error:
            shown = self.layout.date_format.replace("%d", "dd").replace("%m", "mm")
            shown = shown.replace("%Y", "yyyy").replace("%y", "yy")
            raise InvalidField(f"date {text!r} is not a date ({shown})") from error

    def _date_or_none(self, cells: list[str]) -> date | None:
        try:
            return self._date(cells)
        except InvalidField:
            return None

    def _balance(self, cells: list[str]) -> int:
        """A balance row's amount: in the balance column, or in the amount column if not there."""
        layout = self.layout
        for column in (layout.balance_column, layout.amount_column, layout.credit_column):
            text = self._cell(cells, column)
            if text:
                return amount_to_minor(text, decimal_separator=layout.decimal_separator)
        raise InvalidField("balance row without an amount")

    def _running_balance(self, cells: list[str]) -> int | None:
        text = self._cell(cells, self.layout.balance_column)
        try:
            return amount_to_minor(text, decimal_separator=self.layout.decimal_separator)
        except InvalidField:
            # The line itself is fine; only the closing balance becomes unknown.
            return None

    def _cell(self, cells: list[str], column: str | None) -> str:
        if column is None:
            return ""
        position = self.positions[normalize_label(column)]
        return cells[position] if position < len(cells) else ""

    def _account(self) -> tuple[str | None, str | None]:
        if self.layout.account_pattern is None:
            return None, None
        text = normalize_label(" ".join(record.payload for record in self.preamble))
        found = re.search(self.layout.account_pattern, text)
        if found is None:
            return None, None
        return found["branch"], found["account"]


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(str(e["msg"]) for e in error.errors())
    return str(error)
