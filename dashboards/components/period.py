"""The period picker the pages share: the last DEFAULT_DAYS of what is available, as dd/mm/aaaa."""

from datetime import date, timedelta

from streamlit.delta_generator import DeltaGenerator

from dashboards.components.empty_state import explain_and_stop

DEFAULT_DAYS = 30


def pick_period(
    container: DeltaGenerator, first_available: date, last_available: date, key: str
) -> tuple[date, date]:
    """The first and last day chosen in `container`; the page stops with a hint until both are.
    `key` should name what the period is of: a period chosen for one merchant or account may lie
    outside another's history."""
    default_first = max(first_available, last_available - timedelta(days=DEFAULT_DAYS - 1))
    chosen = container.date_input(
        "Período",
        value=(default_first, last_available),
        min_value=first_available,
        max_value=last_available,
        format="DD/MM/YYYY",
        key=key,
    )
    if not isinstance(chosen, tuple) or len(chosen) != 2:
        explain_and_stop("Escolha a data inicial e a final do período.")
    return chosen[0], chosen[1]
