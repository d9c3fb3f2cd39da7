"""Idempotency-Key: a replayed request returns the first one's result and has no second effect.

The key is claimed, and its outcome stored, in the same transaction as the effect. If that
transaction rolls back (a validation or business error), the key stays free and a retry is
evaluated afresh; only requests that changed something are replayed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from core_ledger.errors import IdempotencyConflict
from core_ledger.repositories import idempotency

# How long a key is remembered: a retry after this is a new request.
KEY_RETENTION = timedelta(hours=24)


@dataclass(frozen=True)
class IdempotentRequest:
    principal: str
    key: str
    method: str
    path: str
    fingerprint: str


T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    value: T
    replayed: bool  # True when an earlier request with the same Idempotency-Key made `value`


def run_once(
    session: Session,
    request: IdempotentRequest | None,
    create: Callable[[], tuple[T, str]],
    reload: Callable[[str], T],
) -> Outcome[T]:
    """Every keyed mutation goes through here, inside its own transaction.

    `create` makes the resource and returns it with its id; `reload` fetches, by that id, what an
    earlier request with the same key made. Without a key, `create` simply runs.
    """
    if request is None:
        return Outcome(create()[0], replayed=False)
    earlier = _claim(session, request)
    if earlier is not None:
        return Outcome(reload(earlier), replayed=True)
    value, resource_id = create()
    idempotency.set_outcome(session, request.principal, request.key, resource_id)
    return Outcome(value, replayed=False)


def _claim(session: Session, request: IdempotentRequest) -> str | None:
    """Claim the key within the caller's transaction. Returns the id of the resource an earlier
    request with this key created, or None when this request is the first with it."""
    if idempotency.insert_if_absent(
        session, request.principal, request.key, request.method, request.path, request.fingerprint
    ):
        return None
    record = idempotency.get(session, request.principal, request.key)
    assert record is not None and record.resource_id is not None  # stored with the claim's commit
    if (record.method, record.path, record.request_fingerprint) != (
        request.method,
        request.path,
        request.fingerprint,
    ):
        raise IdempotencyConflict(
            f"Idempotency-Key {request.key!r} was used for {record.method} {record.path} with "
            "another body; use a new key for a new request"
        )
    return record.resource_id


def forget_expired_keys(sessions: sessionmaker[Session], now: datetime | None = None) -> int:
    with sessions.begin() as session:
        return idempotency.delete_older_than(session, (now or datetime.now(UTC)) - KEY_RETENTION)
