"""Exports and pt-BR formats of the dashboard."""

from datetime import UTC, date, datetime
from io import BytesIO

import pandas as pd
from openpyxl import load_workbook

from dashboards.components.export import table_to_csv, table_to_xlsx
from dashboards.components.formatting import (
    format_brl_change,
    format_datetime_br,
    format_document,
    format_percent,
)

TABLE = pd.DataFrame(
    {
        "dia": [date(2026, 3, 1), date(2026, 3, 2)],
        "entradas": [1234.56, 0.01],
        "nome": ["Pão", "Café"],
    }
)


def test_excel_export_holds_the_table_as_numbers_and_dates() -> None:
    sheet = load_workbook(BytesIO(table_to_xlsx(TABLE, "Fluxo de caixa")))["Fluxo de caixa"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("dia", "entradas", "nome")
    assert rows[1][1:] == (1234.56, "Pão") and rows[2][1:] == (0.01, "Café")
    assert [row[0].date() for row in rows[1:]] == [date(2026, 3, 1), date(2026, 3, 2)]  # type: ignore[union-attr]


def test_csv_export_opens_in_a_brazilian_spreadsheet() -> None:
    text = table_to_csv(TABLE).decode("utf-8-sig")
    assert text.splitlines() == [
        "dia;entradas;nome",
        "2026-03-01;1234.56;Pão",
        "2026-03-02;0.01;Café",
    ]


def test_formats() -> None:
    assert format_brl_change(1000) == "+R$ 10,00"
    assert format_brl_change(-5) == "-R$ 0,05"
    assert format_percent(0.9734) == "97,3%"
    assert format_document("12345678909") == "123.456.789-09"
    assert format_document("12345678000195") == "12.345.678/0001-95"
    # 15:30 UTC is 12:30 in São Paulo (UTC-3, no daylight saving since 2019).
    assert format_datetime_br(datetime(2026, 3, 5, 15, 30, tzinfo=UTC)) == "05/03/2026 12:30"
