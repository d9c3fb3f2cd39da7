"""The audit log as a hash chain: each record's hash covers its content and the previous hash,
so altering or removing any sealed record breaks every link after it.

A change is recorded pending in its own transaction and sealed into the chain shortly after by
the worker (`seal_pending`), so writers never queue on the chain's head."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import Actor
from core_ledger.models import AuditRecord
from core_ledger.models.audit import AuditContent
from core_ledger.repositories import audit

GENESIS_HASH = hashlib.sha256(b"fluxo audit chain").digest()


@dataclass(frozen=True)
class Change:
    action: str  # "transfer.posted", "account.opened", ...
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def record(session: Session, actor: Actor, changes: Sequence[Change]) -> None:
    """Append the changes in the caller's transaction, pending: `seal_pending` chains them once
    committed. Nothing is locked, so writers on different accounts never wait on each other."""
    if changes:
        audit.append_pending(session, pending_records(actor, changes))


def pending_records(actor: Actor, changes: Sequence[Change]) -> list[dict[str, Any]]:
    """The rows `record` appends, for a caller that writes them with its own statement."""
    recorded_at = datetime.now(UTC)
    return [
        {
            "recorded_at": recorded_at,
            "principal": actor.principal,
            "action": change.action,
            "request_id": actor.request_id,
            "entity_type": change.entity_type,
            "entity_id": change.entity_id,
            "before": change.before,
            "after": change.after,
        }
        for change in changes
    ]


def seal_pending(sessions: sessionmaker[Session], batch_size: int = 5000) -> int:
    """Chain every committed pending record, oldest first; returns how many were sealed. Safe
    to run from several processes: the head's row lock lets one sealer at a time extend it."""
    sealed = 0
    while True:
        with sessions.begin() as session:
            seq, previous = audit.lock_head(session)
            pending = audit.take_pending(session, batch_size)
            records = []
            for row in pending:
                seq += 1
                fields = _content(row)
                digest = link(previous, seq, fields)
                records.append(fields | {"seq": seq, "prev_hash": previous, "hash": digest})
                previous = digest
            if records:
                audit.append_sealed(session, records)
        sealed += len(records)
        if len(records) < batch_size:
            return sealed


def link(previous_hash: bytes, seq: int, fields: dict[str, Any]) -> bytes:
    content = {**fields, "recorded_at": fields["recorded_at"].astimezone(UTC).isoformat()}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(
        previous_hash + seq.to_bytes(8, "big", signed=True) + canonical.encode()
    ).digest()


@dataclass(frozen=True)
class Verification:
    records_checked: int
    last_seq: int
    first_broken_seq: int | None  # None when the chain is intact
    problem: str | None
    pending_records: int  # recorded, not sealed yet: the worker chains them within a second

    @property
    def intact(self) -> bool:
        return self.first_broken_seq is None


def verify(sessions: sessionmaker[Session]) -> Verification:
    """Walk the sealed chain from its start; report the first record that does not link."""
    with sessions() as session:
        pending = audit.pending_count(session)
        chain_head = audit.head(session)
        head_seq, head_hash = chain_head.seq, bytes(chain_head.hash)
        previous, expected_seq, checked = GENESIS_HASH, 1, 0
        for row in audit.records_in_order(session):
            problem = _broken_link(row, expected_seq, previous)
            if problem is not None:
                return Verification(checked, head_seq, expected_seq, problem, pending)
            previous, expected_seq, checked = bytes(row.hash), expected_seq + 1, checked + 1
        if (expected_seq - 1, previous) != (head_seq, head_hash):
            return Verification(
                checked,
                head_seq,
                expected_seq,
                f"the chain ends at record {expected_seq - 1} but its head is record {head_seq}: "
                "records at the end were removed",
                pending,
            )
        return Verification(checked, head_seq, None, None, pending)


def _broken_link(row: AuditRecord, expected_seq: int, previous: bytes) -> str | None:
    if row.seq != expected_seq:
        return f"record {expected_seq} is missing (the next one is {row.seq})"
    if bytes(row.prev_hash) != previous:
        return f"record {row.seq} does not link to the record before it"
    if link(previous, row.seq, _content(row)) != bytes(row.hash):
        return f"record {row.seq} was altered after it was written"
    return None


def _content(row: AuditContent) -> dict[str, Any]:
    return {
        "recorded_at": row.recorded_at,
        "principal": row.principal,
        "action": row.action,
        "request_id": row.request_id,
        "entity_type": row.entity_type,
        "entity_id": row.entity_id,
        "before": row.before,
        "after": row.after,
    }
