"""SQLAlchemy statements over the ledger schema; callers own the transaction, nothing commits."""
