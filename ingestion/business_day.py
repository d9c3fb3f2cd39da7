"""The business day every source dates by: the calendar date in America/Sao_Paulo."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

BUSINESS_TIMEZONE = ZoneInfo("America/Sao_Paulo")


def business_date(moment: datetime) -> date:
    """The São Paulo date of an aware moment."""
    return moment.astimezone(BUSINESS_TIMEZONE).date()


def business_today() -> date:
    return datetime.now(BUSINESS_TIMEZONE).date()
