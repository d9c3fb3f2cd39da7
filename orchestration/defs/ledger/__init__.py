"""Assets that copy the ledger database into the warehouse `raw` schema."""
