"""Incremental extraction of the ledger database into the warehouse's `raw` schema."""
