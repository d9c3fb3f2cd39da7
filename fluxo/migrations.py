"""Bring both databases to the current schema: the ledger by Alembic; in the warehouse, the raw
layer, the pipeline's run-health tables, the dashboard's users and alert decisions, and the
access roles."""

import psycopg

from core_ledger.migrate import upgrade
from dashboards.alert_reviews import ensure_reviews_table
from dashboards.users import ensure_users_table
from fluxo.databases import DatabaseUrls
from fluxo.run_health import ensure_run_health_tables
from fluxo.warehouse_access import grant_analyst_access
from ingestion.ledger.load import ensure_raw_table
from ingestion.ledger.tables import LEDGER_TABLES
from ingestion.warehouse import ensure_raw_schema


def migrate(urls: DatabaseUrls) -> None:
    upgrade(urls.ledger)
    with psycopg.connect(urls.warehouse_dsn) as warehouse:
        ensure_raw_schema(warehouse)
        for table in LEDGER_TABLES:
            ensure_raw_table(warehouse, table)
        ensure_run_health_tables(warehouse)
        ensure_users_table(warehouse)
        ensure_reviews_table(warehouse)
        grant_analyst_access(warehouse)
