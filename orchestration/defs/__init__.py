"""Dagster definitions grouped by domain; definitions.py assembles them."""
