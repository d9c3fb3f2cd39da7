"""Saúde dos dados: is the data behind the other pages current and sound? The last runs, how old
each source table and mart is, the failing checks, and the quarantined rows by reason."""

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from dashboards.components.empty_state import explain_and_stop, read_or_explain
from dashboards.components.formatting import format_datetime_br
from dashboards.queries import data_health

# The daily job runs once a day: older than a day and a bit means a run was missed.
STALE_AFTER = timedelta(hours=26)
RUN_STATUS_LABELS = {
    "SUCCESS": "Sucesso",
    "FAILURE": "Falhou",
    "CANCELED": "Cancelada",
    "STARTED": "Em andamento",
}
LAYER_LABELS = {"raw": "Fonte (raw)", "marts": "Mart", "staging": "Staging"}
SEVERITY_LABELS = {"ERROR": "Erro", "WARN": "Aviso"}


def age_text(age: timedelta) -> str:
    hours = int(age.total_seconds() // 3600)
    return f"{hours // 24} d {hours % 24} h" if hours >= 24 else f"{hours} h"


def optional_datetime(moment: object) -> str:
    return "" if pd.isna(moment) else format_datetime_br(moment)  # type: ignore[arg-type]


st.title("Saúde dos dados")

runs = read_or_explain(data_health.recent_runs, "o registro das execuções do pipeline")
if runs.empty:
    explain_and_stop(
        "Nenhuma execução do pipeline registrada ainda. Rode `fluxo pipeline run` (ou `make demo`)."
    )

last = runs.iloc[0]
now = datetime.now(UTC)
kpis = st.columns(3)
kpis[0].metric("Última execução", RUN_STATUS_LABELS.get(last["status"], last["status"]))
kpis[1].metric("Checagens com falha", int(last["checks_failed"]))
kpis[2].metric("Checagens com aviso", int(last["checks_warned"]))
st.caption(
    f"Execução {last['run_id']}, de {optional_datetime(last['started_at'])} a "
    f"{optional_datetime(last['finished_at'])}."
)
if last["status"] != "SUCCESS":
    st.error(
        f"A última execução ({last['run_id']}) não terminou bem; passos com falha: "
        f"{', '.join(last['failed_steps']) or 'nenhum'}. Abra-a no Dagster (`fluxo serve dagster`)."
    )

st.subheader("Atualização das fontes e marts")
freshness = data_health.asset_freshness()
ages = freshness["last_materialized_at"].map(lambda at: now - at)
st.dataframe(
    pd.DataFrame(
        {
            "Tabela": freshness["asset_key"],
            "Camada": freshness["layer"].map(lambda layer: LAYER_LABELS.get(layer, layer)),
            "Atualizada em": freshness["last_materialized_at"].map(format_datetime_br),
            "Idade": ages.map(age_text),
            "Situação": ages.map(lambda age: "Atrasada" if age > STALE_AFTER else "Em dia"),
        }
    ),
    hide_index=True,
    width="stretch",
)

st.subheader("Checagens com falha")
checks = data_health.check_results()
failing = checks[~checks["passed"]]
st.caption(
    f"{int(checks['passed'].sum())} de {len(checks)} checagens passaram na última avaliação."
)
if failing.empty:
    st.success("Todas as checagens passaram.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Tabela": failing["asset_key"],
                "Checagem": failing["check_name"],
                "Severidade": failing["severity"].map(SEVERITY_LABELS),
                "Avaliada em": failing["evaluated_at"].map(format_datetime_br),
                "Descrição": failing["description"],
            }
        ),
        hide_index=True,
        width="stretch",
    )

st.subheader("Linhas em quarentena")
quarantine = data_health.quarantine()
if quarantine.empty:
    st.success("Nenhuma linha em quarentena.")
else:
    by_source = quarantine.groupby("source", as_index=False)["row_count"].sum()
    st.dataframe(
        pd.DataFrame({"Fonte": by_source["source"], "Linhas": by_source["row_count"]}),
        hide_index=True,
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Fonte": quarantine["source"],
                "Motivo": quarantine["reason"],
                "Linhas": quarantine["row_count"],
                "Última em": quarantine["last_quarantined_at"].map(format_datetime_br),
            }
        ),
        hide_index=True,
        width="stretch",
    )

st.subheader("Últimas execuções")
st.dataframe(
    pd.DataFrame(
        {
            "Execução": runs["run_id"].str[:8],
            "Situação": runs["status"].map(lambda status: RUN_STATUS_LABELS.get(status, status)),
            "Início": runs["started_at"].map(optional_datetime),
            "Fim": runs["finished_at"].map(optional_datetime),
            "Ativos": runs["assets_materialized"],
            "Checagens ok": runs["checks_passed"],
            "Falhas": runs["checks_failed"],
            "Avisos": runs["checks_warned"],
        }
    ),
    hide_index=True,
    width="stretch",
)
