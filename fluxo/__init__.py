"""Fluxo platform glue: settings, the embedded PostgreSQL, and the `fluxo` command line."""
