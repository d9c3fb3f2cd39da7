"""Fluxo de caixa: one merchant account's daily consolidated balance over a period, against the
period before it, with the entries of any day and the table as CSV or Excel."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboards.components.charts import closing_balance_chart, credits_debits_chart
from dashboards.components.empty_state import explain_and_stop, read_or_explain
from dashboards.components.export import XLSX_MIME, table_to_csv, table_to_xlsx
from dashboards.components.formatting import (
    format_brl,
    format_brl_change,
    format_date_br,
    format_datetime_br,
)
from dashboards.components.period import pick_period
from dashboards.queries import cash_flow

DIRECTIONS = {"credit": "Entrada", "debit": "Saída"}

st.title("Fluxo de caixa")

merchants = read_or_explain(cash_flow.merchants, "a consolidação diária")
if merchants.empty:
    explain_and_stop(
        "Nenhum lançamento consolidado ainda: registre lançamentos na API e rode o pipeline."
    )

names = dict(zip(merchants["merchant_id"], merchants["merchant_name"], strict=True))
pickers = st.columns([2, 1, 2])
merchant_id = pickers[0].selectbox(
    "Estabelecimento", list(names), format_func=names.__getitem__, key="merchant"
)
accounts = cash_flow.accounts(merchant_id)
account_names = dict(zip(accounts["account_code"], accounts["account_name"], strict=True))
account_code = pickers[1].selectbox(
    "Conta",
    list(account_names),
    format_func=lambda code: f"{account_names[code] or code} ({code})",
    key="account",
)
first_available, last_available = cash_flow.date_span(merchant_id, account_code)
first, last = pick_period(
    pickers[2], first_available, last_available, key=f"period-{merchant_id}-{account_code}"
)

days = cash_flow.daily_cash_flow(merchant_id, account_code, first, last)
if days.empty:
    explain_and_stop("Sem dias consolidados neste período.")

# The period before: as many days, ending the day before this one starts.
length = (last - first).days + 1
previous_first, previous_last = first - timedelta(days=length), first - timedelta(days=1)
previous = cash_flow.period_totals(merchant_id, account_code, previous_first, previous_last)
has_previous = int(previous["days"].iloc[0]) > 0

opening = int(days["opening_balance_minor"].iloc[0])
closing = int(days["closing_balance_minor"].iloc[-1])
credits = int(days["credits_minor"].sum())
debits = int(days["debits_minor"].sum())


def change(current: int, column: str) -> str | None:
    return format_brl_change(current - int(previous[column].iloc[0])) if has_previous else None


# Two rows of three: a large balance (R$ 1.234.567,89) fits a third of the page, not a fifth.
kpis = [*st.columns(3), *st.columns(3)]
kpis[0].metric("Saldo inicial", format_brl(opening))
kpis[1].metric("Entradas", format_brl(credits), delta=change(credits, "credits_minor"))
kpis[2].metric(
    "Saídas", format_brl(debits), delta=change(debits, "debits_minor"), delta_color="inverse"
)
kpis[3].metric("Saldo final", format_brl(closing), delta=change(closing, "closing_balance_minor"))
kpis[4].metric("Variação no período", format_brl_change(closing - opening))
kpis[5].caption(
    f"Variações contra o período anterior, {format_date_br(previous_first)} a "
    f"{format_date_br(previous_last)}" + ("." if has_previous else ": sem dias consolidados nele.")
)

charts = st.columns(2)
with charts[0]:
    st.subheader("Saldo de fechamento por dia")
    st.altair_chart(closing_balance_chart(days), width="stretch")
with charts[1]:
    st.subheader("Entradas e saídas por dia")
    st.altair_chart(credits_debits_chart(days), width="stretch")

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

# The files carry amounts as numbers (reais with two decimals) so a spreadsheet can add them up.
export = pd.DataFrame(
    {
        "dia": days["business_date"],
        "saldo_inicial": days["opening_balance_minor"] / 100,
        "entradas": days["credits_minor"] / 100,
        "saidas": days["debits_minor"] / 100,
        "saldo_final": days["closing_balance_minor"] / 100,
        "lancamentos": days["credit_count"] + days["debit_count"],
    }
)
file_name = f"fluxo-de-caixa_{merchant_id}_{account_code}_{first:%Y%m%d}-{last:%Y%m%d}"
downloads = st.columns(6)
downloads[0].download_button(
    "Baixar CSV", table_to_csv(export), f"{file_name}.csv", "text/csv", key="csv"
)
downloads[1].download_button(
    "Baixar Excel",
    table_to_xlsx(export, "Fluxo de caixa"),
    f"{file_name}.xlsx",
    XLSX_MIME,
    key="xlsx",
)

st.subheader("Lançamentos do dia")
active = days[(days["credit_count"] + days["debit_count"]) > 0]
if active.empty:
    st.info("Nenhum lançamento no período.")
    st.stop()
day = st.selectbox(
    "Dia", list(active["business_date"])[::-1], format_func=format_date_br, key="drill_day"
)
account_id = str(days["account_id"].iloc[0])
postings = cash_flow.day_postings(account_id, day)
st.dataframe(
    pd.DataFrame(
        {
            "Hora": postings["occurred_at"].map(format_datetime_br),
            "Tipo": postings["direction"].map(DIRECTIONS),
            "Valor": postings["amount_minor"].map(format_brl),
            "Saldo após": postings["balance_after_minor"].map(format_brl),
            "Descrição": postings["description"],
            "Categoria": postings["category"],
            "Id externo": postings["external_id"],
        }
    ),
    hide_index=True,
    width="stretch",
)
