"""Open Finance Brasil accounts, balances and transactions: client, simulator and raw loader."""
