"""What the data-health dashboard reads about the pipeline: each run's outcome, each check's
latest result, when each asset was last materialized, and the quarantine by source and reason.

The Dagster instance keeps all of this, but the dashboards read only the warehouse's `marts`
schema; so every run of the daily job (in process or launched by the daemon) ends by copying its
outcome here (orchestration/defs/health). The tables are created by `fluxo migrate`."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg

RUN_HEALTH_DDL = """
create schema if not exists marts;
create table if not exists marts.pipeline_runs (
    run_id              text primary key,
    job_name            text not null,
    status              text not null,
    started_at          timestamptz,
    finished_at         timestamptz,
    assets_materialized integer not null,
    checks_passed       integer not null,
    checks_failed       integer not null,
    checks_warned       integer not null,
    failed_steps        text[] not null,
    recorded_at         timestamptz not null default now()
);
create table if not exists marts.pipeline_check_results (
    asset_key    text not null,
    check_name   text not null,
    run_id       text not null,
    passed       boolean not null,
    severity     text not null,
    description  text,
    evaluated_at timestamptz not null,
    primary key (asset_key, check_name)
);
create table if not exists marts.pipeline_asset_freshness (
    asset_key             text primary key,
    layer                 text not null,
    last_materialized_at  timestamptz not null,
    last_run_id           text not null
);
create table if not exists marts.pipeline_quarantine_summary (
    source              text not null,
    reason              text not null,
    row_count           bigint not null,
    last_quarantined_at timestamptz not null,
    primary key (source, reason)
);
comment on table marts.pipeline_runs is
    'One row per run of the daily job: status, counts of assets and checks (written by the run).';
comment on table marts.pipeline_check_results is
    'The latest evaluation of each asset check (dbt tests, ledger balance, data quality).';
comment on table marts.pipeline_asset_freshness is
    'When each asset (raw source table or dbt model) was last materialized, and by which run.';
comment on table marts.pipeline_quarantine_summary is
    'raw._quarantine counted by source and reason, as of the latest run (no payloads).';
"""


@dataclass(frozen=True)
class CheckResult:
    asset_key: str
    check_name: str
    passed: bool
    severity: str  # ERROR or WARN
    description: str | None
    evaluated_at: datetime


@dataclass(frozen=True)
class Materialization:
    asset_key: str
    materialized_at: datetime

    @property
    def layer(self) -> str:
        """`raw`, `staging`, `marts` ...: the asset key's prefix."""
        return self.asset_key.split("/", 1)[0] if "/" in self.asset_key else "other"


@dataclass(frozen=True)
class RunHealth:
    run_id: str
    job_name: str
    status: str  # SUCCESS, FAILURE, CANCELED ...
    started_at: datetime | None
    finished_at: datetime | None
    checks: Sequence[CheckResult]
    materializations: Sequence[Materialization]
    failed_steps: Sequence[str]


def ensure_run_health_tables(conn: psycopg.Connection) -> None:
    conn.execute(RUN_HEALTH_DDL)


def record_run_health(conn: psycopg.Connection, run: RunHealth) -> None:
    """Write the run's outcome; recording the same run again replaces its rows."""
    failed = sum(not c.passed and c.severity == "ERROR" for c in run.checks)
    warned = sum(not c.passed and c.severity != "ERROR" for c in run.checks)
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute(
            "insert into marts.pipeline_runs (run_id, job_name, status, started_at, finished_at,"
            " assets_materialized, checks_passed, checks_failed, checks_warned, failed_steps)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " on conflict (run_id) do update set status = excluded.status,"
            " finished_at = excluded.finished_at,"
            " assets_materialized = excluded.assets_materialized,"
            " checks_passed = excluded.checks_passed, checks_failed = excluded.checks_failed,"
            " checks_warned = excluded.checks_warned, failed_steps = excluded.failed_steps,"
            " recorded_at = now()",
            (
                run.run_id,
                run.job_name,
                run.status,
                run.started_at,
                run.finished_at,
                len({m.asset_key for m in run.materializations}),
                sum(c.passed for c in run.checks),
                failed,
                warned,
                list(run.failed_steps),
            ),
        )
        cursor.executemany(
            "insert into marts.pipeline_check_results (asset_key, check_name, run_id, passed,"
            " severity, description, evaluated_at) values (%s, %s, %s, %s, %s, %s, %s)"
            " on conflict (asset_key, check_name) do update set run_id = excluded.run_id,"
            " passed = excluded.passed, severity = excluded.severity,"
            " description = excluded.description, evaluated_at = excluded.evaluated_at"
            " where excluded.evaluated_at >= marts.pipeline_check_results.evaluated_at",
            [
                (
                    c.asset_key,
                    c.check_name,
                    run.run_id,
                    c.passed,
                    c.severity,
                    c.description,
                    c.evaluated_at,
                )
                for c in run.checks
            ],
        )
        cursor.executemany(
            "insert into marts.pipeline_asset_freshness (asset_key, layer, last_materialized_at,"
            " last_run_id) values (%s, %s, %s, %s)"
            " on conflict (asset_key) do update set layer = excluded.layer,"
            " last_materialized_at = excluded.last_materialized_at,"
            " last_run_id = excluded.last_run_id"
            " where excluded.last_materialized_at"
            " >= marts.pipeline_asset_freshness.last_materialized_at",
            [(m.asset_key, m.layer, m.materialized_at, run.run_id) for m in run.materializations],
        )
        # The summary is the quarantine as it stands: rebuilt whole, it is never stale.
        cursor.execute("delete from marts.pipeline_quarantine_summary")
        cursor.execute(
            "insert into marts.pipeline_quarantine_summary"
            " (source, reason, row_count, last_quarantined_at)"
            " select source, reason, count(*), max(quarantined_at) from raw._quarantine"
            " group by source, reason"
        )
