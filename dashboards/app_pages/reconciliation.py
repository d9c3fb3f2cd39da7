"""Conciliação: how much of the ledger matches the bank, what does not and for how long, the
differences per day, and any item's ledger entry beside its bank line."""

import pandas as pd
import streamlit as st

from dashboards.components.charts import count_bars, match_rate_chart
from dashboards.components.empty_state import explain_and_stop, read_or_explain
from dashboards.components.formatting import (
    format_brl,
    format_date_br,
    format_datetime_br,
    format_percent,
)
from dashboards.components.period import pick_period
from dashboards.queries import reconciliation
from ingestion.business_day import business_today

ALL_MERCHANTS = "__all__"
STATUS_LABELS = {
    "matched": "Conciliado",
    "date_mismatch": "Data divergente",
    "amount_mismatch": "Valor divergente",
    "only_in_ledger": "Só no razão",
    "only_in_bank": "Só no banco",
}
AGE_BUCKETS = [(2, "até 2 dias"), (7, "3 a 7 dias"), (30, "8 a 30 dias")]
# The drill-down lists this many of the oldest pending items; more would only slow the page.
DRILL_DOWN_ITEMS = 500
OLDEST_BUCKET = "mais de 30 dias"


def age_bucket(days: int) -> str:
    return next((label for limit, label in AGE_BUCKETS if days <= limit), OLDEST_BUCKET)


def optional_brl(amount_minor: object) -> str:
    return "" if pd.isna(amount_minor) else format_brl(int(amount_minor))  # type: ignore[call-overload]


def optional_datetime(moment: object) -> str:
    return "" if pd.isna(moment) else format_datetime_br(moment)  # type: ignore[arg-type]


def show_fields(fields: dict[str, object]) -> None:
    st.markdown("  \n".join(f"**{name}:** {value}" for name, value in fields.items()))


st.title("Conciliação bancária")

merchants = read_or_explain(reconciliation.merchants, "a conciliação bancária")
names = {ALL_MERCHANTS: "Todos os estabelecimentos"} | dict(
    zip(merchants["merchant_id"], merchants["merchant_name"], strict=True)
)
pickers = st.columns([2, 2])
chosen_merchant = pickers[0].selectbox(
    "Estabelecimento", list(names), format_func=names.__getitem__, key="merchant"
)
merchant_id = None if chosen_merchant == ALL_MERCHANTS else chosen_merchant
first_available, last_available = reconciliation.date_span(merchant_id)
if first_available is None or last_available is None:
    explain_and_stop(
        "Nenhum item de conciliação ainda: cadastre as contas bancárias dos estabelecimentos e "
        "rode o pipeline."
    )
first, last = pick_period(
    pickers[1], first_available, last_available, key=f"period-{chosen_merchant}"
)

rates = reconciliation.daily_match_rate(merchant_id, first, last)
if rates.empty:
    explain_and_stop("Sem itens de conciliação neste período.")
items, matched = int(rates["items"].sum()), int(rates["matched_items"].sum())
pending = reconciliation.open_item_counts(merchant_id, first, last)
pending_count = int(pending["items"].sum())

kpis = st.columns(3)
kpis[0].metric("Taxa de conciliação", format_percent(matched / items))
kpis[1].metric("Itens no período", f"{items:,}".replace(",", "."))
kpis[2].metric("Pendências", f"{pending_count:,}".replace(",", "."))

st.subheader("Taxa de conciliação por dia")
st.altair_chart(match_rate_chart(rates), width="stretch")

st.subheader("Pendências por tipo e idade")
if pending.empty:
    st.success("Tudo conciliado no período.")
else:
    today = business_today()
    kinds = pending.assign(
        tipo=pending["status"].map(STATUS_LABELS),
        idade=pending["business_date"].map(lambda day: age_bucket((today - day).days)),
    )
    by_kind = kinds.groupby("tipo")["items"].sum().reset_index(name="count")
    columns = st.columns(2)
    columns[0].altair_chart(count_bars(by_kind, "tipo", "Tipo"), width="stretch")
    by_age = pd.crosstab(
        kinds["tipo"].rename("Tipo"), kinds["idade"], values=kinds["items"], aggfunc="sum"
    ).reindex(columns=[label for _, label in AGE_BUCKETS] + [OLDEST_BUCKET], fill_value=0)
    columns[1].dataframe(by_age.fillna(0).astype(int), width="stretch")

st.subheader("Diferenças por dia")
differences = reconciliation.daily_differences(merchant_id, first, last)
if differences.empty:
    st.info("Nenhuma conta bancária com saldo neste período.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Dia": differences["business_date"].map(format_date_br),
                "Saldo no razão": differences["ledger_closing_minor"].map(optional_brl),
                "Saldo no banco": differences["bank_closing_minor"].map(optional_brl),
                "Diferença": differences["difference_minor"].map(optional_brl),
                "Explicada por pendências": differences["explained_minor"].map(optional_brl),
                "Sem explicação": differences["unexplained_minor"].map(optional_brl),
            }
        ),
        hide_index=True,
        width="stretch",
    )

st.subheader("Detalhe de uma pendência")
if pending.empty:
    st.stop()
unmatched = reconciliation.oldest_open_items(merchant_id, first, last, DRILL_DOWN_ITEMS)
if pending_count > len(unmatched):
    st.caption(
        f"As {len(unmatched)} pendências mais antigas de {pending_count:,}".replace(",", ".")
        + "; escolha um estabelecimento ou um período menor para ver as outras."
    )
labels = {
    row.reconciliation_item_id: f"{format_date_br(row.business_date)} · "
    f"{STATUS_LABELS[row.status]} · {format_brl(int(row.difference_minor))} · "
    f"{row.ledger_description or row.bank_description or ''}"
    for row in unmatched.itertuples()
}
business_dates = dict(zip(unmatched.reconciliation_item_id, unmatched.business_date, strict=True))
item_id = st.selectbox("Pendência", list(labels), format_func=labels.__getitem__, key="item")
detail = reconciliation.item(item_id, business_dates[item_id]).iloc[0]
sides = st.columns(2)
with sides[0]:
    st.markdown("**Lançamento no razão**")
    if pd.isna(detail["ledger_entry_id"]):
        st.write("Nenhum: a linha do banco não tem lançamento correspondente.")
    else:
        show_fields(
            {
                "Lançamento": str(detail["ledger_entry_id"]),
                "Id externo": detail["ledger_external_id"],
                "Dia": format_date_br(detail["ledger_business_date"]),
                "Ocorrido em": optional_datetime(detail["ledger_occurred_at"]),
                "Valor": optional_brl(detail["ledger_amount_minor"]),
                "Descrição": detail["ledger_description"],
                "Categoria": detail["ledger_category"],
            }
        )
with sides[1]:
    st.markdown("**Linha do banco**")
    if pd.isna(detail["bank_line_id"]):
        st.write("Nenhuma: o banco não listou este lançamento.")
    else:
        show_fields(
            {
                "Linha": detail["bank_line_id"],
                "Origem": detail["bank_source"],
                "Conta": detail["bank_account_id"],
                "Dia": format_date_br(detail["bank_business_date"]),
                "Lançado em": optional_datetime(detail["bank_booked_at"]),
                "Valor": optional_brl(detail["bank_amount_minor"]),
                "Descrição": detail["bank_description"],
                "Tipo": detail["bank_transaction_type"],
            }
        )
st.caption(f"Diferença (banco menos razão): {format_brl(int(detail['difference_minor']))}")
