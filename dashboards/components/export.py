"""A table as a CSV or an Excel file, for the download buttons."""

from io import BytesIO

import pandas as pd

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_to_csv(table: pd.DataFrame) -> bytes:
    # `;` and UTF-8 with a BOM: how Excel in pt-BR opens a CSV without mangling accents or commas.
    text: str = table.to_csv(index=False, sep=";")
    return text.encode("utf-8-sig")


def table_to_xlsx(table: pd.DataFrame, sheet_name: str) -> bytes:
    buffer = BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, index=False, sheet_name=sheet_name[:31])
    return buffer.getvalue()
