"""Compliance: the AML alert queue by deadline, an alert's triggering operations, regulatory
basis and decisions (compliance records them), the COAF communications due, and the customers'
KYC standing. CPF/CNPJ are clear only for the compliance role."""

import pandas as pd
import streamlit as st

from dashboards.alert_reviews import CLOSED_STATUSES, OPEN_STATUSES
from dashboards.components.alert_decisions import STATUS_LABELS, alert_decisions
from dashboards.components.charts import count_bars
from dashboards.components.documents import documents_for
from dashboards.components.empty_state import explain_and_stop, read_or_explain
from dashboards.components.formatting import format_brl, format_date_br, format_datetime_br
from dashboards.components.session import current_user
from dashboards.queries import compliance
from ingestion.business_day import business_today

SEVERITY_LABELS = {"high": "Alta", "medium": "Média", "low": "Baixa"}
DEADLINE_LABELS = {
    "overdue": "Prazo vencido",
    "due_soon": f"Vence em até {compliance.DUE_SOON_DAYS} dias",
    "on_time": "No prazo",
}
COMMUNICATION_LABELS = {"cash_operation": "Operação em espécie", "suspicious_operation": "Suspeita"}
OBLIGATION_LABELS = {"must": "Obrigatória", "may": "Se confirmada a suspeita"}
KYC_STATUS_LABELS = {
    "ok": "Regular",
    "cnae_mismatch": "CNAE divergente",
    "not_active": "Cadastro não ativo",
    "not_found": "Documento não encontrado",
    "not_checked": "Não verificado",
    "invalid_document": "Documento inválido",
}
ALL = "__all__"

user = current_user()
assert user is not None  # app.py shows pages only to a logged-in user
today = business_today()

st.title("Compliance")
options = read_or_explain(compliance.alert_filter_options, "os alertas de PLD/FT")
queue_tab, coaf_tab, kyc_tab = st.tabs(["Fila de alertas", "Comunicações ao COAF", "KYC"])

with queue_tab:
    if options.empty:
        st.success("Nenhum alerta de PLD/FT.")
    else:
        rules = options.drop_duplicates("rule_code").set_index("rule_code")
        rule_names = {
            code: f"{row.rule_number}. {row.rule_title}" for code, row in rules.iterrows()
        }
        merchants = {ALL: "Todos"} | {m: m for m in sorted(options["merchant_id"].unique())}
        filters = st.columns(5)
        chosen_rules = filters[0].multiselect(
            "Regra",
            list(rule_names),
            default=list(rule_names),
            format_func=rule_names.__getitem__,
            key="rules",
        )
        chosen_severities = filters[1].multiselect(
            "Severidade",
            list(SEVERITY_LABELS),
            default=list(SEVERITY_LABELS),
            format_func=SEVERITY_LABELS.__getitem__,
            key="severities",
        )
        chosen_deadlines = filters[2].multiselect(
            "Prazo",
            list(DEADLINE_LABELS),
            default=list(DEADLINE_LABELS),
            format_func=DEADLINE_LABELS.__getitem__,
            key="deadlines",
        )
        chosen_statuses = filters[3].multiselect(
            "Situação",
            list(STATUS_LABELS),
            default=[status.value for status in OPEN_STATUSES],  # the work still to do
            format_func=STATUS_LABELS.__getitem__,
            key="statuses",
        )
        chosen_merchant = filters[4].selectbox(
            "Cliente", list(merchants), format_func=merchants.__getitem__, key="customer"
        )
        queue = compliance.alert_queue(
            chosen_rules,
            chosen_severities,
            chosen_deadlines,
            chosen_statuses,
            None if chosen_merchant == ALL else chosen_merchant,
            today,
        )
        st.caption(
            f"{len(queue)} alertas, do prazo de seleção mais próximo ao mais distante "
            "(Circular BCB 3.978/2020: seleção em até 45 dias da operação, análise em até 45 "
            "dias da seleção)."
        )
        st.dataframe(
            pd.DataFrame(
                {
                    "Selecionar até": queue["selection_deadline"].map(format_date_br),
                    "Prazo": queue["deadline_status"].map(DEADLINE_LABELS),
                    "Situação": queue["review_status"].map(STATUS_LABELS),
                    "Responsável": queue["reviewed_by"].fillna(""),
                    "Severidade": queue["severity"].map(SEVERITY_LABELS),
                    "Regra": queue["rule_number"].astype(str) + ". " + queue["rule_title"],
                    "Cliente": queue["merchant_id"],
                    "Valor": queue["amount_minor"].map(format_brl),
                    "Operações": queue["operation_count"],
                    "Período": queue["window_start"].map(
                        lambda day: format_date_br(day) if pd.notna(day) else ""
                    )
                    + " a "
                    + queue["window_end"].map(format_date_br),
                    "Analisar até": queue["analysis_deadline"].map(format_date_br),
                }
            ),
            hide_index=True,
            width="stretch",
        )
        if not queue.empty:
            st.subheader("Detalhe do alerta")
            labels = {
                row.alert_id: f"{format_date_br(row.selection_deadline)} · "
                f"{SEVERITY_LABELS[row.severity]} · {row.rule_title} · {row.merchant_id}"
                for row in queue.itertuples()
            }
            alert_id = st.selectbox(
                "Alerta", list(labels), format_func=labels.__getitem__, key="alert"
            )
            alert = compliance.alert(alert_id).iloc[0]
            st.markdown(
                f"**{alert['rule_number']}. {alert['rule_title']}** "
                f"(severidade {SEVERITY_LABELS[alert['severity']].lower()})  \n"
                f"**Base regulatória:** {alert['regulatory_reference']}  \n"
                f"**Cliente:** {alert['merchant_id']} · **Valor:** "
                f"{format_brl(int(alert['amount_minor']))} · **Detectado em:** "
                f"{format_datetime_br(alert['first_detected_at'])}  \n"
                f"**O que a regra viu:** {alert['detail']}"
            )
            operations = compliance.triggering_operations(
                alert["merchant_id"], list(alert["triggering_operation_ids"])
            )
            if operations.empty:
                st.info("Alerta de cadastro (KYC), sem operações que o disparem.")
            else:
                on_ledger = operations["ledger_entry_id"].notna()
                st.dataframe(
                    pd.DataFrame(
                        {
                            "Origem": on_ledger.map({True: "Razão", False: "Banco"}),
                            "Dia": operations["ledger_business_date"]
                            .where(on_ledger, operations["bank_business_date"])
                            .map(format_date_br),
                            "Valor": operations["ledger_amount_minor"]
                            .where(on_ledger, operations["bank_amount_minor"])
                            .map(lambda minor: format_brl(int(minor))),
                            "Descrição": operations["ledger_description"].where(
                                on_ledger, operations["bank_description"]
                            ),
                            "Lançamento": operations["ledger_entry_id"]
                            .astype(str)
                            .where(on_ledger, operations["bank_line_id"]),
                        }
                    ),
                    hide_index=True,
                    width="stretch",
                )
            alert_decisions(alert_id, user)

with coaf_tab:
    candidates = read_or_explain(compliance.coaf_candidates, "as comunicações ao COAF")
    if candidates.empty:
        st.success("Nenhuma comunicação ao COAF pendente.")
    else:
        pending = ~candidates["review_status"].isin(CLOSED_STATUSES)
        overdue = int((pending & (candidates["report_deadline"] < today)).sum())
        kpis = st.columns(4)
        kpis[0].metric("Candidatas", len(candidates))
        kpis[1].metric("Obrigatórias", int((candidates["obligation"] == "must").sum()))
        kpis[2].metric("Pendentes", int(pending.sum()))
        kpis[3].metric("Pendentes com prazo vencido", overdue)
        st.dataframe(
            pd.DataFrame(
                {
                    "Comunicar até": candidates["report_deadline"].map(format_date_br),
                    "Tipo": candidates["communication_kind"].map(COMMUNICATION_LABELS),
                    "Obrigação": candidates["obligation"].map(OBLIGATION_LABELS),
                    "Situação": candidates["review_status"].map(STATUS_LABELS),
                    "Cliente": candidates["customer_name"].fillna(candidates["customer_id"]),
                    "CPF/CNPJ": documents_for(
                        user.role,
                        candidates["customer_document_token"],
                        candidates["customer_document_masked"],
                    ),
                    "Regra": candidates["rule_title"],
                    "Valor": candidates["amount_minor"].map(format_brl),
                    "Última operação": candidates["last_operation_date"].map(format_date_br),
                    "Analisar até": candidates["analysis_deadline"].map(format_date_br),
                }
            ),
            hide_index=True,
            width="stretch",
        )

with kyc_tab:
    customers = read_or_explain(compliance.kyc_customers, "a situação de KYC dos clientes")
    if customers.empty:
        explain_and_stop("Nenhum cliente no cadastro de onboarding ainda.")
    status = customers["kyc_status"].map(KYC_STATUS_LABELS)
    risk = customers["risk_rating"].map(SEVERITY_LABELS)
    columns = st.columns(2)
    columns[0].altair_chart(
        count_bars(
            status.value_counts().rename_axis("situacao").reset_index(), "situacao", "Situação KYC"
        ),
        width="stretch",
    )
    columns[1].altair_chart(
        count_bars(risk.value_counts().rename_axis("risco").reset_index(), "risco", "Risco"),
        width="stretch",
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Cliente": customers["customer_id"],
                "Nome": customers["legal_name"],
                "Tipo": customers["person_type"],
                "CPF/CNPJ": documents_for(
                    user.role, customers["document_token"], customers["document_masked"]
                ),
                "Situação KYC": status,
                "Risco": risk,
                "Motivos": customers["risk_reasons"],
                "PEP": customers["is_politically_exposed"].map({True: "Sim", False: "Não"}),
            }
        ),
        hide_index=True,
        width="stretch",
    )
