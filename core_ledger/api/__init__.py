"""The ledger's HTTP API: routers parse, call one service, and map domain errors to problems."""
