"""The previous validated row count of a check, read from the check's own past evaluations.

The Dagster instance already keeps every evaluation with its metadata (what the UI shows), so the
count a check saw last time lives there: no table of our own, and nothing written to the warehouse
by a check.
"""

from dataclasses import dataclass

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
)

ROWS_IN_SCOPE = "rows_in_scope"
SCOPE_IDENTITY = "scope_identity"
# Re-runs that load nothing evaluate the same scope again; look past that many of them.
HISTORY_DEPTH = 50


@dataclass(frozen=True)
class PreviousCount:
    rows: int
    scope_identity: str
    run_id: str


def previous_row_count(
    instance: dg.DagsterInstance, check_key: dg.AssetCheckKey, scope_identity: str
) -> PreviousCount | None:
    """The row count of the latest completed evaluation that read other rows than
    `scope_identity` (an evaluation of the same load again compares nothing new)."""
    records = instance.event_log_storage.get_asset_check_execution_history(
        check_key, limit=HISTORY_DEPTH, status=COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES
    )
    for record in records:
        entry = record.event
        evaluation = entry.asset_check_evaluation if entry is not None else None
        if evaluation is None:
            continue
        identity = evaluation.metadata.get(SCOPE_IDENTITY)
        rows = evaluation.metadata.get(ROWS_IN_SCOPE)
        if identity is None or rows is None or identity.value == scope_identity:
            continue
        return PreviousCount(
            rows=int(rows.value),  # type: ignore[arg-type]
            scope_identity=str(identity.value),
            run_id=record.run_id,
        )
    return None
