"""The warehouse connection the pages share."""

import streamlit as st
from streamlit.connections import SQLConnection

from fluxo import databases
from fluxo.settings import Settings


@st.cache_resource
def _warehouse_url() -> str:
    return databases.resolve(Settings()).warehouse


def warehouse() -> SQLConnection:
    return st.connection("warehouse", type="sql", url=_warehouse_url())
