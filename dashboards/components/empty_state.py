"""What a page shows when the marts it reads are not built yet, instead of an error."""

from collections.abc import Callable
from typing import NoReturn, TypeVar

import streamlit as st

from dashboards.queries.warehouse import MartsNotBuilt

T = TypeVar("T")

BUILD_HINT = "Rode `fluxo pipeline run` (ou `make demo`) para construí-lo."


def explain_and_stop(message: str) -> NoReturn:
    st.info(message)
    st.stop()


def read_or_explain(read: Callable[[], T], what: str) -> T:
    """`read()`, or a pt-BR note that the warehouse lacks `what` yet, and the page stops there."""
    try:
        return read()
    except MartsNotBuilt:
        explain_and_stop(f"O warehouse ainda não tem {what}. {BUILD_HINT}")
