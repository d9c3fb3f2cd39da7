"""The warehouse's daily run as the bench times it: the project's own daily job (every ingestion
asset, the whole dbt build with its data tests, every asset check), run in process by
`fluxo.pipeline.materialize_all` as `fluxo pipeline run` runs it, with each stage's time read back
from the run's event log and dbt's run results.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance

from fluxo.pipeline import PipelineSummary, materialize_all
from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.kyc import kyc_assets
from orchestration.defs.ledger.assets import raw_ledger_tables
from orchestration.defs.openfinance import openfinance_assets
from orchestration.defs.statements import statement_assets

# Which stage an op's time counts towards; any other op is an asset check.
INGEST_OPS = frozenset(
    assets.op.name
    for assets in (raw_ledger_tables, *statement_assets, *openfinance_assets, *kyc_assets)
)
DBT_OP_PREFIX = "fluxo_dbt_models"


@dataclass(frozen=True)
class DbtNodeTime:
    unique_id: str
    seconds: float


@dataclass
class RunFigures:
    summary: PipelineSummary  # success, failed steps and checks, as `fluxo pipeline run` reports
    wall_seconds: float
    step_seconds: dict[str, float]
    dbt_seconds_by_type: dict[str, float] = field(default_factory=dict)
    dbt_nodes_by_type: dict[str, int] = field(default_factory=dict)
    slowest_dbt_nodes: list[DbtNodeTime] = field(default_factory=list)

    def stage_seconds(self, stage: str) -> float:
        return sum(seconds for op, seconds in self.step_seconds.items() if _stage(op) == stage)


def _stage(op_name: str) -> str:
    if op_name in INGEST_OPS:
        return "ingest"
    if op_name.startswith(DBT_OP_PREFIX):
        return "dbt"
    return "checks"


def run_daily_job(log_path: Path) -> RunFigures:
    """One catch-up run of the daily job (new ledger rows, statement files and KYC answers, the
    Open Finance days not loaded yet and today, every dbt model and check), then its figures."""
    summary = materialize_all(log_path)
    # materialize_all runs the job as two Dagster runs (the Open Finance dates, then the rest):
    # the wall time spans both, from the first's first event to the last's last.
    with DagsterInstance.get() as instance:
        records = [record for run_id in summary.run_ids for record in instance.all_logs(run_id)]
    started: dict[str, float] = {}
    step_seconds: dict[str, float] = defaultdict(float)
    run_times = [record.timestamp for record in records]
    for record in records:
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            started[event.step_key] = record.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            step_seconds[event.step_key] += record.timestamp - started[event.step_key]
    figures = RunFigures(
        summary=summary,
        wall_seconds=max(run_times) - min(run_times),
        step_seconds=dict(step_seconds),
    )
    for run_id in summary.run_ids:
        _add_dbt_timings(figures, run_id)
    return figures


def _add_dbt_timings(figures: RunFigures, run_id: str) -> None:
    """dagster-dbt gives each invocation its own target folder, named after the run."""
    target = Path(dbt_project().project_dir) / "target"
    for run_results in target.glob(f"fluxo_dbt_models-{run_id[:7]}-*/run_results.json"):
        seconds: dict[str, float] = defaultdict(float)
        nodes: dict[str, int] = defaultdict(int)
        times = []
        for node in json.loads(run_results.read_text())["results"]:
            node_type = node["unique_id"].split(".")[0]
            seconds[node_type] += node["execution_time"]
            nodes[node_type] += 1
            times.append(DbtNodeTime(node["unique_id"], node["execution_time"]))
        for node_type, node_seconds in seconds.items():
            figures.dbt_seconds_by_type[node_type] = (
                figures.dbt_seconds_by_type.get(node_type, 0.0) + node_seconds
            )
            figures.dbt_nodes_by_type[node_type] = (
                figures.dbt_nodes_by_type.get(node_type, 0) + nodes[node_type]
            )
        figures.slowest_dbt_nodes = sorted(
            [*figures.slowest_dbt_nodes, *times], key=lambda t: -t.seconds
        )[:8]
