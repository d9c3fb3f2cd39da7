"""Bench step: the reconciliation marts a daily (incremental) run left equal a full refresh's.

fct_bank_reconciliation's matcher is greedy in one global order and a daily run matches again
only the components of candidate pairs around what changed; this keeps the incremental tables,
rebuilds the marts from scratch with dbt and compares the two row by row, printing the result.
"""

from contextlib import redirect_stdout
from pathlib import Path

import psycopg
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_project

RECONCILIATION_MARTS = ("fct_bank_reconciliation", "fct_daily_reconciliation")
# When the run that matched a row started: a full refresh stamps every row with its own.
RUN_STAMP_COLUMNS = ("reconciled_at",)


def compare_reconciliation_with_full_refresh(warehouse_dsn: str, home: Path) -> dict[str, int]:
    """Rows that differ (both ways) between each incremental mart and its full refresh."""
    with psycopg.connect(warehouse_dsn, autocommit=True) as warehouse:
        warehouse.execute("create schema if not exists bench")
        for mart in RECONCILIATION_MARTS:
            warehouse.execute(f"drop table if exists bench.incremental_{mart}")
            warehouse.execute(
                f"create table bench.incremental_{mart} as select * from marts.{mart}"
            )

    dbt = DbtCliResource(project_dir=dbt_project(), dbt_executable=DBT_EXECUTABLE)
    invocation = dbt.cli(
        ["run", "--full-refresh", "--select", "int_reconciliation__rebuilt_items+"],
        target_path=home / "dbt-reconciliation-full-refresh",
        raise_on_error=True,
    )
    with (home / "logs" / "reconciliation-full-refresh.log").open("a") as log, redirect_stdout(log):
        invocation.wait()

    differing: dict[str, int] = {}
    with psycopg.connect(warehouse_dsn) as warehouse:
        for mart in RECONCILIATION_MARTS:
            compared = ", ".join(_columns(warehouse, mart))
            row = warehouse.execute(
                f"""
                select count(*) from (
                    (select {compared} from marts.{mart}
                     except all select {compared} from bench.incremental_{mart})
                    union all
                    (select {compared} from bench.incremental_{mart}
                     except all select {compared} from marts.{mart})
                ) as differences
                """
            ).fetchone()
            rows = warehouse.execute(f"select count(*) from marts.{mart}").fetchone()
            differing[mart] = row[0] if row else -1
            print(
                f"    {mart}: incremental against full refresh, {differing[mart]:,} rows differ "
                f"of {rows[0] if rows else 0:,}"
            )
    return differing


def _columns(warehouse: psycopg.Connection, mart: str) -> list[str]:
    """The mart's columns but the run's own stamp, in table order."""
    rows = warehouse.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = %s order by ordinal_position",
        (mart,),
    ).fetchall()
    return [f'"{name}"' for (name,) in rows if name not in RUN_STAMP_COLUMNS]
