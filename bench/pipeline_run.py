"""The warehouse's daily run as the bench times it: the project's own Dagster assets (the ledger
copy to `raw`, the dbt models of the ledger and finance marts with their tests, the finance asset
checks) executed in process as `fluxo/pipeline.py` executes its jobs, with each stage's time read
back from the run's event log and dbt's run results.

Open Finance, statement files and KYC are not in this job, nor the reconciliation marts built on
them: the bench measures how the ledger's volume weighs on the warehouse.
"""

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
from dagster import DagsterEventType, DagsterInstance
from dagster_dbt import build_dbt_asset_selection

from fluxo.pipeline import QUIET_RUN_CONFIG, PipelineSummary, summarize
from orchestration.definitions import defs
from orchestration.defs.dbt.project import dbt_project
from orchestration.defs.ledger.assets import raw_ledger_tables

LEDGER_TO_FINANCE_JOB = "bench_ledger_to_finance"
# The dbt models fed by the ledger alone: its staging and the finance marts.
FINANCE_DBT_SELECT = "path:models/staging/ledger path:models/marts/finance"
# Which stage an op's time counts towards; any other op is an asset check.
INGEST_OP = raw_ledger_tables.op.name


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
    if op_name == INGEST_OP:
        return "ingest"
    if op_name.startswith("fluxo_dbt_models"):
        return "dbt"
    return "checks"


def ledger_to_finance_definitions() -> dg.Definitions:
    """The project's definitions plus one job: the ledger copy, the finance dbt models and
    every asset check on them."""
    definitions = defs()
    dbt_assets = [
        assets
        for assets in definitions.assets or ()
        if isinstance(assets, dg.AssetsDefinition) and assets.op.name.startswith("fluxo_dbt")
    ]
    # dbt's eager test selection would add tests of other models that merely read these (the
    # reconciliation marts'); selecting the models by key brings exactly their own checks.
    finance_models = build_dbt_asset_selection(dbt_assets, dbt_select=FINANCE_DBT_SELECT)
    model_keys = finance_models.without_checks().resolve(definitions.resolve_asset_graph())
    selection = dg.AssetSelection.assets(raw_ledger_tables, *model_keys)
    job = dg.define_asset_job(LEDGER_TO_FINANCE_JOB, selection=selection)
    return dg.Definitions.merge(definitions, dg.Definitions(jobs=[job]))


def run_ledger_to_finance(definitions: dg.Definitions, instance: DagsterInstance) -> RunFigures:
    job = definitions.resolve_job_def(LEDGER_TO_FINANCE_JOB)
    # A subset of the dbt assets: dbt's default (eager) test selection would also run the tests
    # of the reconciliation marts that read ledger staging, whose tables this job never builds.
    os.environ["DBT_INDIRECT_SELECTION"] = "cautious"
    result = job.execute_in_process(
        instance=instance, raise_on_error=False, run_config=QUIET_RUN_CONFIG
    )
    records = instance.all_logs(result.run_id)
    started: dict[str, float] = {}
    step_seconds: dict[str, float] = {}
    run_times = [record.timestamp for record in records]
    for record in records:
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            started[event.step_key] = record.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            step_seconds[event.step_key] = record.timestamp - started[event.step_key]
    figures = RunFigures(
        summary=summarize(result),
        wall_seconds=max(run_times) - min(run_times),
        step_seconds=step_seconds,
    )
    _add_dbt_timings(figures, result.run_id)
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
        figures.dbt_seconds_by_type = dict(seconds)
        figures.dbt_nodes_by_type = dict(nodes)
        figures.slowest_dbt_nodes = sorted(times, key=lambda t: -t.seconds)[:8]
