"""Appending outbox events and reading them in the order consumers must see them."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Event:
    event_id: int
    created_xid: str
    event_type: str
    payload: dict[str, Any]


# Also part of the transfer write (repositories.transfers.write_posted).
APPEND_SQL = (
    "insert into ledger.outbox (event_type, aggregate_id, payload)"
    " select * from unnest(cast(:event_types as text[]), cast(:aggregate_ids as text[]),"
    " cast(:payloads as text[])::jsonb[])"
)
_APPEND = text(APPEND_SQL)


def append(session: Session, events: Sequence[dict[str, Any]]) -> None:
    """Each dict has event_type, aggregate_id and payload; the transaction id is the default."""
    if events:
        session.execute(_APPEND, event_parameters(events))


def event_parameters(events: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    return {
        "event_types": [e["event_type"] for e in events],
        "aggregate_ids": [e["aggregate_id"] for e in events],
        "payloads": [json.dumps(e["payload"]) for e in events],
    }


def snapshot_xmin(session: Session) -> str:
    """Every transaction with a smaller id has ended: its events are final and visible now."""
    xmin = session.scalar(text("select pg_snapshot_xmin(pg_current_snapshot())::text"))
    assert xmin is not None
    return str(xmin)


def read_after(
    session: Session, last_xid: str, last_event_id: int, upper_xid: str, limit: int
) -> list[Event]:
    """Events after the position (xid, event_id), of transactions below `upper_xid`, in that
    order. Transactions below the snapshot's xmin have all ended, so no event can later appear
    before a position already read."""
    rows = session.execute(
        text(
            """
            select event_id, created_xid::text as xid_text, event_type, payload
            from ledger.outbox
            where (created_xid, event_id) > (cast(:last_xid as xid8), :last_event_id)
              and created_xid < cast(:upper_xid as xid8)
            -- By the xid8 column, not its text form: "999" sorts after "1000" as text.
            order by created_xid, event_id
            limit :limit
            """
        ),
        {
            "last_xid": last_xid,
            "last_event_id": last_event_id,
            "upper_xid": upper_xid,
            "limit": limit,
        },
    )
    return [Event(row.event_id, row.xid_text, row.event_type, row.payload) for row in rows]
