"""The ledger's background worker: seals pending audit records into the hash chain, keeps the
daily-balances read model caught up with the outbox, expires holds at their deadline, and forgets
idempotency keys past their retention.

Several workers may run at once: the checkpoint row and SKIP LOCKED keep them from doing the same
work twice. The write path never waits for any of this."""

import logging
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from core_ledger.services.audit import seal_pending
from core_ledger.services.holds import expire_due_holds
from core_ledger.services.idempotency import forget_expired_keys
from core_ledger.services.projector import project_pending

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5
KEY_PURGE_EVERY_SECONDS = 300.0


def run(sessions: sessionmaker[Session], stop: threading.Event) -> None:
    next_purge = 0.0
    while not stop.is_set():
        try:
            sealed = seal_pending(sessions)
            projected = project_pending(sessions)
            expired = expire_due_holds(sessions)
            if time.monotonic() >= next_purge:
                forgotten = forget_expired_keys(sessions)
                next_purge = time.monotonic() + KEY_PURGE_EVERY_SECONDS
                if forgotten:
                    logger.info("forgot %d idempotency keys past retention", forgotten)
            if sealed or projected or expired:
                logger.info(
                    "sealed %d audit records, projected %d events, expired %d holds",
                    sealed,
                    projected,
                    expired,
                )
        except Exception:
            # A database restart or a lost connection: log it and try again on the next tick.
            logger.exception("worker step failed; retrying")
        stop.wait(POLL_SECONDS)
