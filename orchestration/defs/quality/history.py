"""The row count a load is compared with, read from the check's own past evaluations.

The Dagster instance already keeps every evaluation with its metadata (what the UI shows), so the
count a check saw last time lives there: no table of our own, and nothing written to the warehouse
by a check.
"""

from dataclasses import dataclass
from statistics import median

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
)

ROWS_IN_SCOPE = "rows_in_scope"
SCOPE_IDENTITY = "scope_identity"
# Re-runs that load nothing evaluate the same scope again; look past that many of them.
HISTORY_DEPTH = 50
# The baseline is the median of this many previous loads: one odd load (a holiday, a month end)
# neither warns about the next, ordinary one nor becomes the yardstick for it.
BASELINE_LOADS = 7


@dataclass(frozen=True)
class RowCountBaseline:
    rows: int  # the median count of `loads` previous loads
    loads: int


def row_count_baseline(
    instance: dg.DagsterInstance, check_key: dg.AssetCheckKey, scope_identity: str
) -> RowCountBaseline | None:
    """The median row count of the latest BASELINE_LOADS completed evaluations that read other
    rows than `scope_identity`, one per load (an evaluation of the same load again compares
    nothing new)."""
    records = instance.event_log_storage.get_asset_check_execution_history(
        check_key, limit=HISTORY_DEPTH, status=COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES
    )
    counts: dict[str, int] = {}
    for record in records:
        entry = record.event
        evaluation = entry.asset_check_evaluation if entry is not None else None
        if evaluation is None:
            continue
        identity = evaluation.metadata.get(SCOPE_IDENTITY)
        rows = evaluation.metadata.get(ROWS_IN_SCOPE)
        if identity is None or rows is None or identity.value == scope_identity:
            continue
        counts.setdefault(str(identity.value), int(rows.value))  # type: ignore[arg-type]
        if len(counts) == BASELINE_LOADS:
            break
    if not counts:
        return None
    return RowCountBaseline(rows=int(median(counts.values())), loads=len(counts))
