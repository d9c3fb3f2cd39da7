"""Alembic migrations of the ledger database; run them with `fluxo migrate`."""
