"""The nightly schedule, and how a run's business dates reach dbt."""

import json
from datetime import UTC, date, datetime

import dagster as dg
import pytest
from dagster._core.storage.tags import PARTITION_NAME_TAG

from orchestration.defs.daily import DAILY_JOB, daily_job, daily_schedule
from orchestration.defs.daily.schedules import previous_business_date
from orchestration.defs.dbt.assets import DBT_BUILD, FULL_LEDGER_TESTS_TAG, dbt_build_args
from orchestration.defs.openfinance import OpenFinanceSource, openfinance_assets
from orchestration.defs.partitions import (
    CATCH_UP_TAG,
    business_days_of_run,
    business_days_tags,
    rebuild_tags,
)
from orchestration.defs.resources import FluxoDatabases


def evaluate(at: datetime) -> dg.RunRequest:
    # The partitioned assets alone, to resolve the job's partitions without parsing dbt.
    repository = dg.Definitions(
        assets=openfinance_assets,
        jobs=[daily_job],
        schedules=[daily_schedule],
        resources={"databases": FluxoDatabases(), "openfinance": OpenFinanceSource()},
    ).get_repository_def()
    context = dg.build_schedule_context(scheduled_execution_time=at, repository_def=repository)
    requests = daily_schedule.evaluate_tick(context).run_requests
    assert requests is not None and len(requests) == 1
    return requests[0]


def test_runs_at_one_in_the_morning_sao_paulo_time() -> None:
    assert daily_schedule.cron_schedule == "0 1 * * *"
    assert daily_schedule.execution_timezone == "America/Sao_Paulo"
    assert daily_schedule.job_name == DAILY_JOB
    assert daily_schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_the_tick_at_one_brt_targets_the_previous_sao_paulo_date() -> None:
    # 04:00 UTC is 01:00 in São Paulo (UTC-3): the UTC date and the São Paulo date agree here,
    # and the run is for the day before.
    request = evaluate(datetime(2026, 3, 10, 4, 0, tzinfo=UTC))
    assert request.partition_key == "2026-03-09"
    assert request.run_key == "2026-03-09"


def test_once_a_week_the_nights_build_tests_every_ledger_row() -> None:
    # 2026-03-15 is a Sunday; 04:00 UTC is 01:00 in São Paulo.
    sunday = evaluate(datetime(2026, 3, 15, 4, 0, tzinfo=UTC))
    assert sunday.partition_key == "2026-03-14"
    assert json.loads(dbt_build_args({**sunday.tags, PARTITION_NAME_TAG: "2026-03-14"})[-1]) == {
        "backfill_from": "2026-03-14",
        "backfill_to": "2026-03-14",
        "ledger_tests_scope": "all",
    }
    monday = evaluate(datetime(2026, 3, 16, 4, 0, tzinfo=UTC))
    assert FULL_LEDGER_TESTS_TAG not in monday.tags
    assert (
        "ledger_tests_scope"
        not in dbt_build_args({**monday.tags, PARTITION_NAME_TAG: "2026-03-15"})[-1]
    )


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # 01:30 UTC on the 10th is still 22:30 on the 9th in São Paulo.
        (datetime(2026, 3, 10, 1, 30, tzinfo=UTC), date(2026, 3, 8)),
        (datetime(2026, 3, 10, 3, 0, tzinfo=UTC), date(2026, 3, 9)),
        # New Year: the previous business date is in the previous year.
        (datetime(2027, 1, 1, 4, 0, tzinfo=UTC), date(2026, 12, 31)),
    ],
)
def test_previous_business_date_is_by_the_sao_paulo_calendar(
    moment: datetime, expected: date
) -> None:
    assert previous_business_date(moment) == expected


def test_a_single_day_run_rebuilds_that_day_in_dbt() -> None:
    tags = {PARTITION_NAME_TAG: "2026-03-09"}
    assert business_days_of_run(tags) == (date(2026, 3, 9), date(2026, 3, 9))
    assert dbt_build_args(tags) == [
        *DBT_BUILD,
        "--vars",
        '{"backfill_from": "2026-03-09", "backfill_to": "2026-03-09"}',
    ]


def test_a_range_run_passes_its_range_to_dbt() -> None:
    tags = business_days_tags(dg.PartitionKeyRange("2026-02-01", "2026-02-28"))
    assert business_days_of_run(tags) == (date(2026, 2, 1), date(2026, 2, 28))
    assert (
        dbt_build_args(tags)[-1] == '{"backfill_from": "2026-02-01", "backfill_to": "2026-02-28"}'
    )


def test_a_catch_up_run_builds_incrementally_without_vars() -> None:
    tags = {
        **business_days_tags(dg.PartitionKeyRange("2026-03-01", "2026-03-10")),
        CATCH_UP_TAG: "true",
    }
    assert business_days_of_run(tags) == (date(2026, 3, 1), date(2026, 3, 10))
    assert dbt_build_args(tags) == list(DBT_BUILD)


def test_an_unpartitioned_run_builds_without_vars() -> None:
    assert business_days_of_run({"dagster/backfill": "abc"}) is None
    assert dbt_build_args({}) == list(DBT_BUILD)


def test_a_run_told_a_range_to_rebuild_passes_it_to_dbt() -> None:
    tags = rebuild_tags(dg.PartitionKeyRange("2026-02-01", "2026-02-28"))
    assert business_days_of_run(tags) is None  # it loads no partition
    assert (
        dbt_build_args(tags)[-1] == '{"backfill_from": "2026-02-01", "backfill_to": "2026-02-28"}'
    )
