"""Source connectors and loaders into the warehouse `raw` schema (no Dagster imports here)."""
