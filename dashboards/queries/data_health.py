"""Reads for the Saúde dos dados page: the run-health tables each pipeline run writes
(fluxo.run_health)."""

import pandas as pd

from dashboards.queries.warehouse import read_marts

RECENT_RUNS = 20


def recent_runs() -> pd.DataFrame:
    return read_marts(
        "select run_id, job_name, status, started_at, finished_at, assets_materialized, "
        "checks_passed, checks_failed, checks_warned, failed_steps "
        "from marts.pipeline_runs order by started_at desc nulls last limit :limit",
        {"limit": RECENT_RUNS},
    )


def asset_freshness() -> pd.DataFrame:
    """The sources (raw tables) and the marts; staging and intermediate are views over them."""
    return read_marts(
        "select asset_key, layer, last_materialized_at, last_run_id "
        "from marts.pipeline_asset_freshness where layer in ('raw', 'marts') "
        "order by layer desc, asset_key",
        {},
    )


def check_results() -> pd.DataFrame:
    """The latest result of every check, failing ones first."""
    return read_marts(
        "select asset_key, check_name, passed, severity, description, evaluated_at, run_id "
        "from marts.pipeline_check_results "
        "order by passed, severity, asset_key, check_name",
        {},
    )


def quarantine() -> pd.DataFrame:
    return read_marts(
        "select source, reason, row_count, last_quarantined_at "
        "from marts.pipeline_quarantine_summary order by row_count desc, source, reason",
        {},
    )
