"""The CSV statement exports Fluxo reads, one declarative layout per bank export."""

import re
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class CsvLayout:
    """How one bank's CSV export is written. Column names and row labels are compared without
    case or accents; label patterns must match the whole label, so a transaction called
    "TOTAL PASS ACADEMIA" is never mistaken for a "Total" row."""

    name: str
    bank_id: str  # COMPE code
    encoding: str  # a UTF-8 byte-order mark is honoured whatever this says
    columns: tuple[str, ...]  # the header row, which also identifies the layout
    date_column: str
    description_column: str
    # Either one signed amount column, or separate credit and debit columns.
    amount_column: str | None = None
    credit_column: str | None = None
    debit_column: str | None = None
    balance_column: str | None = None  # running balance, read on balance rows
    reference_column: str | None = None
    delimiter: str = ";"
    decimal_separator: Literal[",", "."] = ","
    date_format: str = "%d/%m/%Y"
    currency: str = "BRL"
    # Rows that are balances, not transactions (matched on the date or description cell).
    opening_balance_labels: tuple[str, ...] = ()
    closing_balance_labels: tuple[str, ...] = ()
    summary_labels: tuple[str, ...] = ()  # totals and the like: skipped, counted
    # Without a closing-balance row, the running balance of the last line is the closing one.
    closing_from_last_balance: bool = False
    # Applied to the text above the header row, naming groups `branch` and `account`.
    account_pattern: str | None = None

    def is_label(self, label: str, patterns: tuple[str, ...]) -> bool:
        return any(re.fullmatch(pattern, label) for pattern in patterns)


ITAU = CsvLayout(
    name="itau",
    bank_id="341",
    # Itaú's "Salvar em CSV" writes UTF-8 with a byte-order mark so Excel shows the accents.
    encoding="utf-8",
    columns=("Data", "Lançamento", "Ag./Origem", "Valor (R$)", "Saldo (R$)"),
    date_column="Data",
    description_column="Lançamento",
    amount_column="Valor (R$)",
    balance_column="Saldo (R$)",
    reference_column="Ag./Origem",
    opening_balance_labels=(r"saldo anterior",),
    # The day's balance row follows each day's lines; the last one closes the statement.
    closing_balance_labels=(r"saldo (total )?(disponivel )?(do )?dia", r"saldo final"),
    summary_labels=(r"total( geral)?", r"s ?a ?l ?d ?o"),
    account_pattern=r"agencia:?\s*(?P<branch>\d+)[\s;|]*conta:?\s*(?P<account>[\d.-]+)",
)

BRADESCO = CsvLayout(
    name="bradesco",
    bank_id="237",
    encoding="cp1252",
    columns=("Data", "Histórico", "Docto.", "Crédito (R$)", "Débito (R$)", "Saldo (R$)"),
    date_column="Data",
    description_column="Histórico",
    credit_column="Crédito (R$)",
    debit_column="Débito (R$)",
    balance_column="Saldo (R$)",
    reference_column="Docto.",
    opening_balance_labels=(r"saldo anterior",),
    summary_labels=(r"total", r"saldo do dia", r"os dados acima tem como base .*"),
    closing_from_last_balance=True,
    account_pattern=r"agencia:?\s*(?P<branch>\d+)[\s;|]*conta:?\s*(?P<account>[\d.-]+)",
)

LAYOUTS: tuple[CsvLayout, ...] = (ITAU, BRADESCO)
