"""Alembic environment: migrates the ledger database given by `core_ledger.migrate.upgrade`."""

from alembic import context
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from core_ledger.models import Base
from core_ledger.models.base import LEDGER_SCHEMA

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=NullPool)
    with engine.connect() as connection:
        connection.execute(text(f"create schema if not exists {LEDGER_SCHEMA}"))
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=LEDGER_SCHEMA,
            include_schemas=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
