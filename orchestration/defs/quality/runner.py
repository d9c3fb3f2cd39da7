"""Runs Great Expectations on a check's rows and turns its result into a Dagster AssetCheckResult.

The rows are read once from the warehouse (one indexed query per check, see scopes.py) into a
DataFrame, and every suite of the table is validated on it in memory: Great Expectations' SQL
engine would issue two queries per expectation instead. The context is ephemeral: nothing of
Great Expectations is written to disk.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

import dagster as dg
import psycopg

from orchestration.defs.quality.scopes import Scope

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core import ExpectationValidationResult
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.expectations import Expectation

DATA_SOURCE = "fluxo_quality"
# Tags each expectation with the check it belongs to, in the one suite validated per table.
CHECK_META = "fluxo_check"


@dataclass(frozen=True)
class ScopeRows:
    scope: Scope
    frame: pd.DataFrame


def read_rows(conn: psycopg.Connection, scope: Scope) -> ScopeRows:
    """The scope's rows as a DataFrame. Columns get a typed dtype where every value fits one
    (int64, timestamps, strings; uuids are read as text), which Great Expectations hashes and
    compares about 6x faster than Python objects; a column with a NULL among its integers stays
    Python objects, so integers stay exact rather than becoming floats."""
    import pandas as pd
    from psycopg.types.string import TextLoader

    conn.adapters.register_loader("uuid", TextLoader)
    cursor = conn.execute(scope.query)
    columns = [column.name for column in cursor.description or ()]
    frame = pd.DataFrame(cursor.fetchall(), columns=columns, dtype=object)
    return ScopeRows(scope, frame.infer_objects())


@functools.cache
def _context() -> AbstractDataContext:
    # Great Expectations reports usage to its vendor unless told not to; it is read at import.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def validate(
    rows: ScopeRows,
    suite_name: str,
    expectations_by_check: Mapping[str, Sequence[Expectation]],
    key_columns: Sequence[str],
) -> dict[str, list[ExpectationValidationResult]]:
    """Every check's expectations in one validation, since Great Expectations fingerprints the
    whole DataFrame each time it makes a batch; the results come back by check."""
    import great_expectations as gx

    context = _context()
    source = context.data_sources.add_or_update_pandas(name=DATA_SOURCE)
    batch = (
        source.add_dataframe_asset(name=suite_name)
        .add_batch_definition_whole_dataframe(name=suite_name)
        .get_batch(batch_parameters={"dataframe": rows.frame})
    )
    suite = gx.ExpectationSuite(name=suite_name)
    for check_name, expectations in expectations_by_check.items():
        for expectation in expectations:
            expectation.meta = {**(expectation.meta or {}), CHECK_META: check_name}
            suite.add_expectation(expectation)
    validation = batch.validate(
        suite,
        result_format={
            # COMPLETE gives every failing row's key, to count distinct failing rows; only a
            # sample of them goes into the check's metadata.
            "result_format": "COMPLETE",
            "unexpected_index_column_names": list(key_columns),
            "return_unexpected_index_query": False,
        },
    )
    by_check: dict[str, list[ExpectationValidationResult]] = {
        name: [] for name in expectations_by_check
    }
    for result in validation.results:
        config = result.expectation_config
        assert config is not None and config.meta is not None  # a suite's results carry both
        by_check[config.meta[CHECK_META]].append(result)
    return by_check


def check_result(
    check_name: str,
    results: Sequence[ExpectationValidationResult],
    rows: ScopeRows,
    *,
    severity: dg.AssetCheckSeverity,
    key_columns: Sequence[str],
    sample_size: int,
    extra_metadata: Mapping[str, Any] | None = None,
) -> dg.AssetCheckResult:
    """The check passes when every expectation does. Its metadata says what was read, each
    expectation's observed value, how many rows failed, and a sample of them by key."""
    outcomes = [_outcome(result) for result in results]
    failed = [outcome for outcome in outcomes if not outcome["success"]]
    failing_keys: set[tuple[Any, ...]] = set()
    sample: list[dict[str, Any]] = []
    for result in results:
        if result.success:
            continue
        for row in result.result.get("unexpected_index_list") or []:
            failing_keys.add(tuple(_json_safe(row.get(column)) for column in key_columns))
            if len(sample) < sample_size:
                sample.append(
                    {"expectation": _label(result), **{k: _json_safe(v) for k, v in row.items()}}
                )
    scope = rows.scope
    metadata: dict[str, Any] = {
        "scope": scope.description,
        "scope_identity": scope.identity,
        "rows_in_scope": len(rows.frame),
        "expectations_evaluated": len(outcomes),
        "expectations_failed": dg.MetadataValue.json(
            [outcome["expectation"] for outcome in failed]
        ),
        "failing_row_count": len(failing_keys),
        "failing_rows_sample": dg.MetadataValue.json(sample),
        "observed": dg.MetadataValue.json(outcomes),
        **scope.metadata,
        **(extra_metadata or {}),
    }
    if "_batch_id" in rows.frame.columns:
        metadata["batch_ids"] = dg.MetadataValue.json(
            sorted({str(batch_id) for batch_id in rows.frame["_batch_id"]})
        )
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=all(result.success for result in results),
        severity=severity,
        metadata=metadata,
        description=(
            f"{len(failed)} of {len(outcomes)} expectations failed: "
            + ", ".join(outcome["expectation"] for outcome in failed)
            if failed
            else None
        ),
    )


def _label(result: Any) -> str:
    config = result.expectation_config
    column = config.kwargs.get("column")
    return f"{config.type}({column})" if column else str(config.type)


def _outcome(result: Any) -> dict[str, Any]:
    """One expectation's result, small enough for the UI: counts, not the failing values."""
    details = result.result or {}
    outcome: dict[str, Any] = {"expectation": _label(result), "success": bool(result.success)}
    if "observed_value" in details:
        outcome["observed_value"] = _json_safe(details["observed_value"])
    for field in ("element_count", "unexpected_count", "missing_count"):
        if field in details:
            outcome[field] = _json_safe(details[field])
    if details.get("partial_unexpected_counts"):
        outcome["unexpected_values"] = _json_safe(details["partial_unexpected_counts"][:5])
    exception = result.exception_info or {}
    if exception.get("raised_exception"):
        outcome["error"] = str(exception.get("exception_message"))
    return outcome


def _json_safe(value: Any) -> Any:
    """Values as JSON can hold them; identifiers, dates and exact amounts as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if value != value else value  # NaN: a missing value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _json_safe(value.item())
    return str(value)
