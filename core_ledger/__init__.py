"""The ledger service: the system of record for merchants ' credits, debits and balances."""
