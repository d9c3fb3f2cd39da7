"""Readiness: the ledger database answers and carries the schema this code expects."""

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.errors import NotReady


def check_ready(sessions: sessionmaker[Session], revision: str) -> None:
    try:
        with sessions() as session:
            current = session.scalar(text("select version_num from ledger.alembic_version"))
    except SQLAlchemyError as error:
        raise NotReady("the ledger database cannot be queried (run `fluxo migrate`?)") from error
    if current != revision:
        raise NotReady(
            f"the ledger schema is at revision {current}, this code expects {revision}: "
            "run `fluxo migrate`"
        )
