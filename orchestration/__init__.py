"""Dagster definitions: assets wrapping ingestion/, dbt models, checks. Logic lives elsewhere."""
