"""Fluxo de caixa: the daily consolidated balance of one merchant, as a chart and a table."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboards.components.charts import closing_balance_chart
from dashboards.components.formatting import format_brl, format_date_br
from dashboards.queries import cash_flow

DEFAULT_DAYS = 30

st.title("Fluxo de caixa")

try:
    merchants = cash_flow.merchants()
except cash_flow.MartsNotBuilt:
    st.info(
        "O warehouse ainda não tem a consolidação diária. "
        "Rode `fluxo pipeline run` (ou `make demo`) para construí-la."
    )
    st.stop()

if merchants.empty:
    st.info("Nenhum lançamento consolidado ainda: registre lançamentos na API e rode o pipeline.")
    st.stop()

names = dict(zip(merchants["merchant_id"], merchants["merchant_name"], strict=True))
merchant_id = st.selectbox("Estabelecimento", list(names), format_func=names.__getitem__)
first_available, last_available = cash_flow.date_span(merchant_id)
default_first = max(first_available, last_available - timedelta(days=DEFAULT_DAYS - 1))
chosen = st.date_input(
    "Período",
    value=(default_first, last_available),
    min_value=first_available,
    max_value=last_available,
    format="DD/MM/YYYY",
)
if not isinstance(chosen, tuple) or len(chosen) != 2:
    st.info("Escolha a data inicial e a final do período.")
    st.stop()
first, last = chosen

days = cash_flow.daily_cash_flow(merchant_id, first, last)
if days.empty:
    st.info("Sem dias consolidados neste período.")
    st.stop()

opening = int(days["opening_balance_minor"].iloc[0])
closing = int(days["closing_balance_minor"].iloc[-1])
credits = int(days["credits_minor"].sum())
debits = int(days["debits_minor"].sum())

kpis = st.columns(4)
kpis[0].metric("Saldo inicial", format_brl(opening))
kpis[1].metric("Entradas", format_brl(credits))
kpis[2].metric("Saídas", format_brl(debits))
kpis[3].metric("Saldo final", format_brl(closing), delta=format_brl(closing - opening))

st.subheader("Saldo de fechamento por dia")
st.altair_chart(closing_balance_chart(days), width="stretch")

st.subheader("Consolidado diário")
table = pd.DataFrame(
    {
        "Dia": days["business_date"].map(format_date_br),
        "Saldo inicial": days["opening_balance_minor"].map(format_brl),
        "Entradas": days["credits_minor"].map(format_brl),
        "Saídas": days["debits_minor"].map(format_brl),
        "Saldo final": days["closing_balance_minor"].map(format_brl),
        "Lançamentos": days["credit_count"] + days["debit_count"],
    }
)
st.dataframe(table, hide_index=True, width="stretch")
