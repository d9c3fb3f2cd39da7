import pytest
from hypothesis import given
from hypothesis import strategies as st

from core_ledger.money import MAX_AMOUNT_MINOR, InvalidAmount, format_amount, parse_amount


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("1", 100),
        ("1.5", 150),
        ("1.50", 150),
        ("0.01", 1),
        ("1234.56", 123456),
        ("007.10", 710),
        ("92233720368547758.07", MAX_AMOUNT_MINOR),
    ],
)
def test_parse_amount_gives_integer_centavos(text: str, minor: int) -> None:
    assert parse_amount(text) == minor


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1.234", "decimal amount"),  # more than two decimals
        ("0", "greater than zero"),
        ("0.00", "greater than zero"),
        ("-5.00", "decimal amount"),
        ("+5.00", "decimal amount"),
        ("abc", "decimal amount"),
        ("", "decimal amount"),
        ("1e3", "decimal amount"),
        ("1,50", "decimal amount"),
        (" 1.50", "decimal amount"),
        ("1.", "decimal amount"),
        (".5", "decimal amount"),
        ("NaN", "decimal amount"),
        ("92233720368547758.08", "beyond"),
        ("1" * 40, "beyond"),
    ],
)
def test_parse_amount_rejects(text: str, reason: str) -> None:
    with pytest.raises(InvalidAmount, match=reason):
        parse_amount(text)


@pytest.mark.parametrize(
    ("minor", "text"),
    [(1, "0.01"), (10, "0.10"), (100, "1.00"), (123456, "1234.56"), (-5, "-0.05"), (0, "0.00")],
)
def test_format_amount(minor: int, text: str) -> None:
    assert format_amount(minor) == text


@given(st.integers(min_value=1, max_value=MAX_AMOUNT_MINOR))
def test_format_then_parse_round_trips(minor: int) -> None:
    assert parse_amount(format_amount(minor)) == minor
