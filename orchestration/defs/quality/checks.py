"""The quality suites as Dagster asset checks: three per table, evaluated in one step on one read.

- `check_values_complete_and_in_range` (blocking, ERROR): completeness, ranges, allowed values.
  A failure fails the step, so the assets downstream do not materialize in that run.
- `check_freshness` (WARN): the newest load (raw) or built day (mart) is recent enough.
- `check_row_count_change` (WARN): the rows read against the median count of the previous loads.
"""

from collections.abc import Iterator

import dagster as dg
import psycopg
from pydantic import Field

from orchestration.defs.quality import history, runner
from orchestration.defs.quality.suites import SUITES, RowCountChange, TableSuite
from orchestration.defs.resources import FluxoDatabases

VALUES_CHECK = "check_values_complete_and_in_range"
FRESHNESS_CHECK = "check_freshness"
ROW_COUNT_CHECK = "check_row_count_change"


class QualityCheckConfig(dg.Config):
    row_count_min_ratio: float = Field(
        default=0.1,
        ge=0,
        description="Fewest rows, as a share of the previous loads' median count, before the "
        "row-count check fails.",
    )
    row_count_max_ratio: float = Field(
        default=10.0,
        ge=1,
        description="Most rows, as a multiple of the previous loads' median count, before the "
        "row-count check fails.",
    )
    row_count_min_previous_rows: int = Field(
        default=1000,
        ge=0,
        description="A median count below this is too small to compare with; the check passes.",
    )
    sample_size: int = Field(
        default=20, ge=1, le=200, description="Failing rows shown in the check's metadata."
    )


def _specs(suite: TableSuite) -> list[dg.AssetCheckSpec]:
    table = suite.asset_key.to_user_string()
    specs = [
        dg.AssetCheckSpec(
            VALUES_CHECK,
            asset=suite.asset_key,
            blocking=True,
            description=f"Great Expectations: {table} has its keys and amounts, within range and "
            "with allowed values, on the rows of the latest load (raw) or rebuilt days (mart).",
        ),
        dg.AssetCheckSpec(
            ROW_COUNT_CHECK,
            asset=suite.asset_key,
            description=f"Great Expectations: the rows checked in {table} against the count the "
            "previous evaluation validated.",
        ),
    ]
    if suite.freshness is not None:
        specs.append(
            dg.AssetCheckSpec(
                FRESHNESS_CHECK,
                asset=suite.asset_key,
                description=f"Great Expectations: {table} was loaded or built within "
                f"{suite.freshness_max_age()}.",
            )
        )
    return specs


def build_quality_checks(suite: TableSuite) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(specs=_specs(suite), name=f"quality_{suite.name}")
    def quality_checks(
        context: dg.AssetCheckExecutionContext,
        config: QualityCheckConfig,
        databases: FluxoDatabases,  # type: ignore[type-arg]
    ) -> Iterator[dg.AssetCheckResult]:
        with psycopg.connect(databases.urls().warehouse_dsn) as conn:
            rows = runner.read_rows(conn, suite.read_scope(conn, suite.columns()))
        context.log.info(f"{rows.scope.description}: {len(rows.frame)} rows")

        baseline = history.row_count_baseline(
            context.instance,
            dg.AssetCheckKey(suite.asset_key, ROW_COUNT_CHECK),
            rows.scope.identity,
        )
        rule = RowCountChange(
            min_ratio=config.row_count_min_ratio,
            max_ratio=config.row_count_max_ratio,
            min_previous_rows=config.row_count_min_previous_rows,
        )
        expectations = {
            VALUES_CHECK: suite.critical(),
            ROW_COUNT_CHECK: rule.expectations(baseline.rows if baseline else None),
            FRESHNESS_CHECK: suite.freshness_expectations(),
        }
        results = runner.validate(rows, suite.name, expectations, suite.key_columns)
        extra: dict[str, dict[str, object]] = {
            VALUES_CHECK: {},
            ROW_COUNT_CHECK: {
                "baseline_rows": baseline.rows if baseline else "none",
                "baseline_loads": baseline.loads if baseline else 0,
            },
            FRESHNESS_CHECK: {"max_age": str(suite.freshness_max_age())},
        }
        for check_name, severity in (
            (VALUES_CHECK, dg.AssetCheckSeverity.ERROR),
            (ROW_COUNT_CHECK, dg.AssetCheckSeverity.WARN),
            (FRESHNESS_CHECK, dg.AssetCheckSeverity.WARN),
        ):
            if check_name == FRESHNESS_CHECK and suite.freshness is None:
                continue
            yield runner.check_result(
                check_name,
                results[check_name],
                rows,
                severity=severity,
                key_columns=suite.key_columns,
                sample_size=config.sample_size,
                extra_metadata=extra[check_name],
            )

    return quality_checks


quality_checks = [build_quality_checks(suite) for suite in SUITES]
