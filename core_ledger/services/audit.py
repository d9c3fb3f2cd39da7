"""The audit log as a hash chain: each record's hash covers its content and the previous hash,
so altering or removing any committed record breaks every link after it."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import Actor
from core_ledger.models import AuditRecord
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
    """Append the changes in the caller's transaction. Call it last: it holds the chain's lock
    until commit, so the shorter the rest of the transaction after it, the better."""
    if not changes:
        return
    seq, previous = audit.lock_head(session)
    recorded_at = datetime.now(UTC)
    records = []
    for change in changes:
        seq += 1
        fields = {
            "recorded_at": recorded_at,
            "principal": actor.principal,
            "action": change.action,
            "request_id": actor.request_id,
            "entity_type": change.entity_type,
            "entity_id": change.entity_id,
            "before": change.before,
            "after": change.after,
        }
        digest = link(previous, seq, fields)
        records.append(fields | {"seq": seq, "prev_hash": previous, "hash": digest})
        previous = digest
    audit.append(session, records)


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

    @property
    def intact(self) -> bool:
        return self.first_broken_seq is None


def verify(sessions: sessionmaker[Session]) -> Verification:
    """Walk the chain from its start; report the first record that does not link."""
    with sessions() as session:
        chain_head = audit.head(session)
        head_seq, head_hash = chain_head.seq, bytes(chain_head.hash)
        previous, expected_seq, checked = GENESIS_HASH, 1, 0
        for row in audit.records_in_order(session):
            problem = _broken_link(row, expected_seq, previous)
            if problem is not None:
                return Verification(checked, head_seq, expected_seq, problem)
            previous, expected_seq, checked = bytes(row.hash), expected_seq + 1, checked + 1
        if (expected_seq - 1, previous) != (head_seq, head_hash):
            return Verification(
                checked,
                head_seq,
                expected_seq,
                f"the chain ends at record {expected_seq - 1} but its head is record {head_seq}: "
                "records at the end were removed",
            )
        return Verification(checked, head_seq, None, None)


def _broken_link(row: AuditRecord, expected_seq: int, previous: bytes) -> str | None:
    if row.seq != expected_seq:
        return f"record {expected_seq} is missing (the next one is {row.seq})"
    if bytes(row.prev_hash) != previous:
        return f"record {row.seq} does not link to the record before it"
    fields = {
        "recorded_at": row.recorded_at,
        "principal": row.principal,
        "action": row.action,
        "request_id": row.request_id,
        "entity_type": row.entity_type,
        "entity_id": row.entity_id,
        "before": row.before,
        "after": row.after,
    }
    if link(previous, row.seq, fields) != bytes(row.hash):
        return f"record {row.seq} was altered after it was written"
    return None
