"""An AML alert's decisions on the Compliance page: its history, and for the compliance role the
form that records the next one (dashboards/alert_reviews.py keeps them)."""

import pandas as pd
import streamlit as st

from dashboards.alert_reviews import (
    DECISIONS,
    MAX_NOTE_LENGTH,
    AlertStatus,
    InvalidDecision,
    is_reported,
    record_decision,
    reviews_of,
)
from dashboards.components.formatting import format_datetime_br
from dashboards.queries.warehouse import dashboard_connection, forget_cached_reads
from dashboards.roles import may_decide_alerts
from dashboards.users import DashboardUser

STATUS_LABELS = {
    AlertStatus.new.value: "Novo",
    AlertStatus.in_review.value: "Em análise",
    AlertStatus.reported.value: "Comunicado ao COAF",
    AlertStatus.dismissed.value: "Encerrado sem comunicação",
}
STATUS_KEY = "decision_status"
NOTE_KEY = "decision_note"
OUTCOME_KEY = "decision_outcome"  # what the last submit did, shown on the run after it


def alert_decisions(alert_id: str, user: DashboardUser) -> None:
    st.markdown("**Decisões**")
    outcome = st.session_state.pop(OUTCOME_KEY, None)
    if outcome is not None:
        succeeded, message = outcome
        (st.success if succeeded else st.error)(message)
    # Never cached: a decision recorded a moment ago must show.
    with dashboard_connection() as warehouse:
        reviews = reviews_of(warehouse, alert_id)
    if reviews:
        st.dataframe(
            pd.DataFrame(
                {
                    "Quando": [format_datetime_br(review.reviewed_at) for review in reviews],
                    "Situação": [STATUS_LABELS[review.status] for review in reviews],
                    "Por": [review.reviewed_by for review in reviews],
                    "Nota": [review.note for review in reviews],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("Nenhuma decisão ainda: o alerta está novo.")
    if not may_decide_alerts(user.role):
        st.caption("Decisões sobre alertas são registradas pelo perfil Compliance.")
    elif is_reported(reviews):
        st.caption("Comunicado ao COAF: a decisão é final.")
    else:
        with st.form("decision"):
            st.selectbox(
                "Nova situação",
                [status.value for status in DECISIONS],
                format_func=STATUS_LABELS.__getitem__,
                key=STATUS_KEY,
            )
            st.text_area(
                "Nota (o motivo do encerramento, o protocolo do COAF)",
                max_chars=MAX_NOTE_LENGTH,
                key=NOTE_KEY,
            )
            st.form_submit_button(
                "Registrar decisão", on_click=_decide, args=(alert_id, user.username), key="decide"
            )


def _decide(alert_id: str, reviewer: str) -> None:
    """The submit's callback: it runs before the page does, so the queue the page then reads
    shows the decision, and the note can be emptied after a success (kept after a refusal)."""
    status = AlertStatus(st.session_state[STATUS_KEY])
    try:
        with dashboard_connection() as warehouse:
            record_decision(warehouse, alert_id, status, st.session_state[NOTE_KEY], reviewer)
    except InvalidDecision as refused:
        st.session_state[OUTCOME_KEY] = (False, str(refused))
        return
    forget_cached_reads()
    st.session_state[NOTE_KEY] = ""
    st.session_state[OUTCOME_KEY] = (True, f"Decisão registrada: {STATUS_LABELS[status]}.")
