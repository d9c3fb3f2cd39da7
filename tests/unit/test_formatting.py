from datetime import date

import pytest

from dashboards.components.formatting import format_brl, format_date_br


@pytest.mark.parametrize(
    ("minor", "text"),
    [
        (0, "R$ 0,00"),
        (5, "R$ 0,05"),
        (123456, "R$ 1.234,56"),
        (123456789012, "R$ 1.234.567.890,12"),
        (-150, "-R$ 1,50"),
    ],
)
def test_format_brl(minor: int, text: str) -> None:
    assert format_brl(minor) == text


def test_format_date_br() -> None:
    assert format_date_br(date(2026, 3, 7)) == "07/03/2026"
