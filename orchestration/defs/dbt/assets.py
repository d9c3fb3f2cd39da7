"""dbt models as assets; `dbt build` runs their tests, which Dagster shows as asset checks."""

import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration.defs.dbt.coverage import declared_data_tests, unexecuted_tests
from orchestration.defs.dbt.project import dbt_profile_env
from orchestration.defs.partitions import business_days_to_rebuild
from orchestration.defs.resources import FluxoDatabases

# A run with this tag tests every ledger row, not only the latest load's (see
# dbt_project/macros/ledger_tests_since.sql); the nightly schedule sets it once a week.
FULL_LEDGER_TESTS_TAG = "fluxo/full_ledger_tests"
# The daily job's dbt command: every model and data test, no unit test (see dbt_build_args).
DBT_BUILD = ("build", "--exclude-resource-type", "unit_test")


class FluxoDbtTranslator(DagsterDbtTranslator):
    """Models are keyed [schema, model] (marts/fct_daily_cash_flow); sources use their meta key."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "model":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return str(dbt_resource_props["fqn"][1]) if len(dbt_resource_props["fqn"]) > 2 else None


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        # raw/statement_lines writes two tables that dbt reads as two sources.
        dagster_dbt_translator=FluxoDbtTranslator(
            settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True)
        ),
    )
    def fluxo_dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, databases: FluxoDatabases
    ) -> Iterator[Any]:
        # dbt reads its profile from the environment of the process Dagster starts it in.
        os.environ.update(dbt_profile_env(databases.urls().warehouse))
        build = dbt.cli(dbt_build_args(context.run.tags), context=context)
        yield from build.stream()
        if context.is_subset:  # a partial build runs only its own models' tests
            return
        declared = declared_data_tests(build.get_artifact("manifest.json"))
        missing = unexecuted_tests(declared, build.get_artifact("run_results.json"))
        if missing:
            raise dg.Failure(
                description=f"{len(missing)} declared dbt data tests did not run",
                metadata={"tests_not_run": missing[:50]},
            )
        context.log.info(f"every declared dbt data test ran: {len(declared)}")

    return fluxo_dbt_models


def dbt_build_args(run_tags: Mapping[str, str]) -> list[str]:
    """`dbt build` of the models and their data tests, told which business dates the run covers
    (the scheduled day, a backfill's range), so the incremental marts rebuild those days even
    when no new posting touched them, and whether to test every ledger row.

    Without the unit tests, as dbt advises for production: they test the models' logic on fixed
    inputs, so a run's data cannot change their result; the test suite runs every one of them
    and checks none was left out. At the 10M bench they took 6.0 s of the daily build's node
    time."""
    build_vars: dict[str, str] = {}
    if (days := business_days_to_rebuild(run_tags)) is not None:
        build_vars.update(backfill_from=days[0].isoformat(), backfill_to=days[1].isoformat())
    if FULL_LEDGER_TESTS_TAG in run_tags:
        build_vars["ledger_tests_scope"] = "all"
    return [*DBT_BUILD, "--vars", json.dumps(build_vars)] if build_vars else list(DBT_BUILD)
