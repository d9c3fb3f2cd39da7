"""Bench step: the reconciliation tables a daily (incremental) run left equal a full refresh's.

fct_bank_reconciliation's matcher is greedy in one global order and a daily run matches again
only the components of candidate pairs around what changed, and int_reconciliation__account_days
sums again only the changed accounts' days from the earliest changed one; this keeps the
incremental tables, rebuilds them from scratch with dbt and compares the two row by row, printing
the result.
The bench compares the staged statement lines and the AML rules' monthly and daily totals the
same way, in the same dbt run (incremental models as well). The e2e test of a bank account
registered between two runs compares the staged lines and the reconciliation tables, rebuilding
from the staged lines and the intermediate tables.
"""

from collections.abc import Sequence
from contextlib import redirect_stdout
from pathlib import Path

import psycopg
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_project

RECONCILIATION_TABLES = (
    "marts.fct_bank_reconciliation",
    "intermediate.int_reconciliation__account_days",
    "marts.fct_daily_reconciliation",
)
# When the run that matched a row started: a full refresh stamps every row with its own.
RUN_STAMP_COLUMNS = ("reconciled_at",)


def compare_with_full_refresh(
    warehouse_dsn: str,
    home: Path,
    relations: Sequence[str] = RECONCILIATION_TABLES,
    rebuilt: Sequence[str] = ("int_reconciliation__rebuilt_items+",),
) -> dict[str, int]:
    """Rows that differ (both ways) between each relation ("schema.table") as the incremental
    runs left it and after `dbt run --full-refresh` of the models the dbt selectors `rebuilt`
    name ("model+": the model and every model downstream of it)."""
    copies = {relation: "bench.incremental_" + relation.replace(".", "_") for relation in relations}
    with psycopg.connect(warehouse_dsn, autocommit=True) as warehouse:
        warehouse.execute("create schema if not exists bench")
        for relation, copy in copies.items():
            warehouse.execute(f"drop table if exists {copy}")
            warehouse.execute(f"create table {copy} as select * from {relation}")

    dbt = DbtCliResource(project_dir=dbt_project(), dbt_executable=DBT_EXECUTABLE)
    invocation = dbt.cli(
        ["run", "--full-refresh", "--select", " ".join(rebuilt)],
        target_path=home / "dbt-reconciliation-full-refresh",
        raise_on_error=True,
    )
    with (home / "logs" / "reconciliation-full-refresh.log").open("a") as log, redirect_stdout(log):
        invocation.wait()

    differing: dict[str, int] = {}
    with psycopg.connect(warehouse_dsn) as warehouse:
        for relation, copy in copies.items():
            compared = ", ".join(_columns(warehouse, relation))
            row = warehouse.execute(
                f"""
                select count(*) from (
                    (select {compared} from {relation} except all select {compared} from {copy})
                    union all
                    (select {compared} from {copy} except all select {compared} from {relation})
                ) as differences
                """
            ).fetchone()
            rows = warehouse.execute(f"select count(*) from {relation}").fetchone()
            differing[relation] = row[0] if row else -1
            print(
                f"    {relation}: incremental against full refresh, {differing[relation]:,} rows "
                f"differ of {rows[0] if rows else 0:,}"
            )
    return differing


def _columns(warehouse: psycopg.Connection, relation: str) -> list[str]:
    """The relation's columns but a run's own stamp, in table order."""
    schema, table = relation.split(".")
    rows = warehouse.execute(
        "select column_name from information_schema.columns "
        "where table_schema = %s and table_name = %s order by ordinal_position",
        (schema, table),
    ).fetchall()
    return [f'"{name}"' for (name,) in rows if name not in RUN_STAMP_COLUMNS]
