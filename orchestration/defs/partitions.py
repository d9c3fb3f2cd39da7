"""The platform's one partitions definition: business dates (America/Sao_Paulo), and how a run
names the business dates it covers."""

from collections.abc import Mapping
from datetime import date

import dagster as dg

# The run tags of a partition and of a single-run range; Dagster does not export them publicly.
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from ingestion.business_day import BUSINESS_TIMEZONE

FIRST_BUSINESS_DATE = date(2025, 1, 1)

# A run that loads what is new up to today (`fluxo pipeline run`), rather than rebuilding its
# dates: the incremental marts need no range, and dbt re-parses the whole project whenever --vars
# change, which every catch-up run would otherwise pay.
CATCH_UP_TAG = "fluxo/catch_up"

# The business dates a run rebuilds without covering them as partitions: the second run of
# `fluxo pipeline backfill`, which leaves loading the dates to the first (see fluxo.pipeline).
REBUILD_FROM_TAG = "fluxo/rebuild_from"
REBUILD_TO_TAG = "fluxo/rebuild_to"

# end_offset=1: today is a partition too, loaded again by every run until the day is over.
business_date_partitions = dg.DailyPartitionsDefinition(
    start_date=FIRST_BUSINESS_DATE.isoformat(), timezone=BUSINESS_TIMEZONE.key, end_offset=1
)


def business_days_tags(days: dg.PartitionKeyRange) -> dict[str, str]:
    """The tags that make one run cover a range of business dates (a single-run backfill)."""
    return {ASSET_PARTITION_RANGE_START_TAG: days.start, ASSET_PARTITION_RANGE_END_TAG: days.end}


def rebuild_tags(days: dg.PartitionKeyRange) -> dict[str, str]:
    """The tags that make a run rebuild the marts of a range of business dates it does not load."""
    return {REBUILD_FROM_TAG: days.start, REBUILD_TO_TAG: days.end}


def business_days_of_run(tags: Mapping[str, str]) -> tuple[date, date] | None:
    """The first and last business date a run covers, from its tags; None for a run that is not
    partitioned (a materialization of unpartitioned assets only)."""
    start, end = tags.get(ASSET_PARTITION_RANGE_START_TAG), tags.get(ASSET_PARTITION_RANGE_END_TAG)
    if start is not None and end is not None:
        return date.fromisoformat(start), date.fromisoformat(end)
    if (key := tags.get(PARTITION_NAME_TAG)) is not None:
        return date.fromisoformat(key), date.fromisoformat(key)
    return None


def business_days_to_rebuild(tags: Mapping[str, str]) -> tuple[date, date] | None:
    """The business dates whose marts a run rebuilds: those its rebuild tags name, else those it
    covers, unless it is a catch-up."""
    if CATCH_UP_TAG in tags:
        return None
    start, end = tags.get(REBUILD_FROM_TAG), tags.get(REBUILD_TO_TAG)
    if start is not None and end is not None:
        return date.fromisoformat(start), date.fromisoformat(end)
    return business_days_of_run(tags)
