"""Brazilian presentation: R$ 1.234,56, dd/mm/aaaa, CPF/CNPJ punctuated."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def format_brl(amount_minor: int) -> str:
    """Centavos as Brazilian reais: 123456 -> "R$ 1.234,56", -5 -> "-R$ 0,05"."""
    sign = "-" if amount_minor < 0 else ""
    units, cents = divmod(abs(amount_minor), 100)
    grouped = f"{units:,}".replace(",", ".")
    return f"{sign}R$ {grouped},{cents:02d}"


def format_brl_change(amount_minor: int) -> str:
    """A change in centavos with its sign always shown: "+R$ 10,00", "-R$ 0,05"."""
    return ("+" if amount_minor >= 0 else "") + format_brl(amount_minor)


def format_date_br(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def format_datetime_br(moment: datetime) -> str:
    """A UTC instant as São Paulo wall-clock time: "05/03/2026 14:30"."""
    return moment.astimezone(SAO_PAULO).strftime("%d/%m/%Y %H:%M")


def format_percent(share: float) -> str:
    """0.9734 -> "97,3%"."""
    return f"{share * 100:.1f}%".replace(".", ",")


def format_document(document: str) -> str:
    """A clear CPF or CNPJ as it is written: 123.456.789-09, 12.345.678/0001-95."""
    if len(document) == 11:
        return f"{document[:3]}.{document[3:6]}.{document[6:9]}-{document[9:]}"
    if len(document) == 14:
        return f"{document[:2]}.{document[2:5]}.{document[5:8]}/{document[8:12]}-{document[12:]}"
    return document
