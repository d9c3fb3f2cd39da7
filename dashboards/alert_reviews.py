"""Compliance's decisions on AML alerts: who took an alert up, reported it to COAF or closed it
without a communication, when, and why. Kept in the warehouse's `dashboard` schema (created by
`fluxo migrate`) as an append-only log: Circular BCB 3.978/2020 asks for the analysis of each
selected operation to be documented and kept whether or not it ends in a communication, so a
decision is never edited or deleted, only followed by another. An alert's status is its latest
decision; an alert nobody has decided on yet is new. No Streamlit here: the page and the tests
share it."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import psycopg


class AlertStatus(StrEnum):
    new = "new"  # no decision yet
    in_review = "in_review"  # an analyst took it up
    reported = "reported"  # communicated to COAF: final
    dismissed = "dismissed"  # closed without a communication, with the reason


# The statuses a decision can set (new is only the absence of one), those still to work on, and
# those that close an alert: a closing decision must say why (the reason, the COAF protocol).
DECISIONS = (AlertStatus.in_review, AlertStatus.reported, AlertStatus.dismissed)
OPEN_STATUSES = (AlertStatus.new, AlertStatus.in_review)
CLOSED_STATUSES = (AlertStatus.reported, AlertStatus.dismissed)
MAX_NOTE_LENGTH = 4000

REVIEWS_DDL = """
create schema if not exists dashboard;
create table if not exists dashboard.alert_reviews (
    review_id   bigint generated always as identity primary key,
    alert_id    text not null,
    status      text not null check (status in ('in_review', 'reported', 'dismissed')),
    note        text not null default '',
    reviewed_by text not null,
    reviewed_at timestamptz not null default now()
);
create index if not exists alert_reviews_alert_id on dashboard.alert_reviews (alert_id, review_id);
comment on table dashboard.alert_reviews is
    'Compliance decisions on AML alerts (marts.fct_aml_alerts), append-only: the latest is the '
    'alert''s status.';
create or replace function dashboard.refuse_changing_alert_reviews() returns trigger
language plpgsql as $$
begin
    raise exception 'dashboard.alert_reviews is append-only: record a new decision instead';
end
$$;
create or replace trigger alert_reviews_append_only
    before update or delete on dashboard.alert_reviews
    for each row execute function dashboard.refuse_changing_alert_reviews();
"""

# The latest decision on each alert, for a query over marts.fct_aml_alerts aliased `alerts`.
LATEST_REVIEW_JOIN = """
left join lateral (
    select status, reviewed_by from dashboard.alert_reviews as reviews
    where reviews.alert_id = alerts.alert_id
    order by review_id desc limit 1
) as latest_review on true
"""
STATUS_SQL = "coalesce(latest_review.status, 'new')"


class InvalidDecision(ValueError):
    """A decision that cannot be recorded; the message says why (in Portuguese, for the page)."""


@dataclass(frozen=True)
class Review:
    status: AlertStatus
    note: str
    reviewed_by: str
    reviewed_at: datetime


def ensure_reviews_table(conn: psycopg.Connection) -> None:
    conn.execute(REVIEWS_DDL)


def reviews_of(conn: psycopg.Connection, alert_id: str) -> list[Review]:
    """The alert's decisions, the oldest first."""
    rows = conn.execute(
        "select status, note, reviewed_by, reviewed_at from dashboard.alert_reviews"
        " where alert_id = %s order by review_id",
        (alert_id,),
    ).fetchall()
    return [Review(AlertStatus(status), note, by, at) for status, note, by, at in rows]


def is_reported(reviews: list[Review]) -> bool:
    """Whether the alert's latest decision (reviews_of) reported it to COAF: then it takes no
    other, since a communication cannot be taken back."""
    return bool(reviews) and reviews[-1].status is AlertStatus.reported


def record_decision(
    conn: psycopg.Connection, alert_id: str, status: AlertStatus, note: str, reviewer: str
) -> None:
    """Append a decision on an alert of marts.fct_aml_alerts. Refused, with the reason, when the
    status is not a decision, a closing one has no note, the note is too long, the alert is
    unknown, or it was reported to COAF already (a communication cannot be taken back)."""
    note = note.strip()
    if status not in DECISIONS:
        raise InvalidDecision(f"situação inválida para uma decisão: {status}")
    if status in CLOSED_STATUSES and not note:
        raise InvalidDecision(
            "Escreva o motivo (ou o protocolo do COAF): uma decisão que encerra o alerta precisa "
            "dele."
        )
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidDecision(f"A nota passa de {MAX_NOTE_LENGTH} caracteres.")
    with conn.transaction():
        # One decision at a time per alert: the check of the latest and the insert see the same.
        conn.execute("select pg_advisory_xact_lock(hashtext('alert_review:' || %s))", (alert_id,))
        known = conn.execute(
            "select exists (select from marts.fct_aml_alerts where alert_id = %s)", (alert_id,)
        ).fetchone()
        if known is None or not known[0]:
            raise InvalidDecision(f"Alerta desconhecido: {alert_id}")
        if is_reported(reviews_of(conn, alert_id)):
            raise InvalidDecision("O alerta já foi comunicado ao COAF; a decisão é final.")
        conn.execute(
            "insert into dashboard.alert_reviews (alert_id, status, note, reviewed_by)"
            " values (%s, %s, %s, %s)",
            (alert_id, status.value, note, reviewer),
        )
