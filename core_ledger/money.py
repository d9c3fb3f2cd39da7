"""Money at the boundary: decimal strings in the API, integer centavos everywhere else."""

import re

# PostgreSQL bigint: the largest amount_minor the ledger can store.
MAX_AMOUNT_MINOR = 2**63 - 1

_DECIMAL_AMOUNT = re.compile(r"^(?P<units>\d+)(?:\.(?P<fraction>\d{1,2}))?$")


class InvalidAmount(ValueError):
    """The text is not a positive amount with at most two decimal places that fits in bigint."""


def parse_amount(text: str) -> int:
    """Parse "1234.56" into 123456 centavos. Only positive amounts: direction is the entry type."""
    match = _DECIMAL_AMOUNT.fullmatch(text)
    if match is None:
        raise InvalidAmount(
            f"{text!r} is not a decimal amount such as '1234.56' (digits, at most 2 decimals)"
        )
    fraction = (match["fraction"] or "").ljust(2, "0")
    minor = int(match["units"]) * 100 + int(fraction)
    if minor == 0:
        raise InvalidAmount("the amount must be greater than zero")
    if minor > MAX_AMOUNT_MINOR:
        raise InvalidAmount(f"{text!r} is beyond the largest amount the ledger stores")
    return minor


def format_amount(minor: int) -> str:
    """Format centavos as a decimal string with exactly two places: 123456 -> "1234.56"."""
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(minor), 100)
    return f"{sign}{units}.{cents:02d}"
