"""Brazilian presentation: R$ 1.234,56 and dd/mm/aaaa."""

from datetime import date


def format_brl(amount_minor: int) -> str:
    """Centavos as Brazilian reais: 123456 -> "R$ 1.234,56", -5 -> "-R$ 0,05"."""
    sign = "-" if amount_minor < 0 else ""
    units, cents = divmod(abs(amount_minor), 100)
    grouped = f"{units:,}".replace(",", ".")
    return f"{sign}R$ {grouped},{cents:02d}"


def format_date_br(day: date) -> str:
    return day.strftime("%d/%m/%Y")
