"""Declarative base with the constraint naming convention, so migrations name things predictably."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import UserDefinedType

LEDGER_SCHEMA = "ledger"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(schema=LEDGER_SCHEMA, naming_convention=NAMING_CONVENTION)


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id, which never wraps around."""

    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "xid8"
