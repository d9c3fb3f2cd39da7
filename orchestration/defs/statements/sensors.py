"""Requests a load of the statement asset when files appear or change in the landing folder."""

import hashlib
import json
import time

import dagster as dg

from ingestion.statements.reader import landed_file_stamps
from orchestration.defs.statements.assets import landing_dir, raw_statement_lines

# A file modified this recently may still be being copied in; the next tick takes it.
SETTLE_SECONDS = 10


def _run_key(new_stamps: list[str]) -> str:
    # The same new files never request two runs, even if the cursor update is lost.
    digest = hashlib.sha256("\n".join(new_stamps).encode()).hexdigest()[:16]
    return f"statement-files-{digest}"


@dg.sensor(target=raw_statement_lines, minimum_interval_seconds=30)
def statement_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """The cursor is the set of (name, mtime, size) already requested, so a file dropped again
    under its name, or rewritten, is noticed; whether its content is new is the loader's call
    (by checksum)."""
    known: set[str] = set(json.loads(context.cursor)) if context.cursor else set()
    settled_before_ns = time.time_ns() - SETTLE_SECONDS * 1_000_000_000
    stamps = [s for s in landed_file_stamps(landing_dir()) if s.mtime_ns <= settled_before_ns]
    new = sorted(stamp.key for stamp in stamps if stamp.key not in known)
    if not new:
        return dg.SensorResult(skip_reason="no new statement files in the landing folder")
    # Files gone from the folder leave the cursor, so it stays the size of the folder.
    cursor = json.dumps(sorted({stamp.key for stamp in stamps}))
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=_run_key(new))],
        cursor=cursor,
    )
