"""Each night at 01:00 São Paulo time, the daily job for the business date that just ended."""

from datetime import date, datetime, timedelta

import dagster as dg

from ingestion.business_day import BUSINESS_TIMEZONE, business_date
from orchestration.defs.daily.jobs import daily_job
from orchestration.defs.dbt.assets import FULL_LEDGER_TESTS_TAG

# The night whose build tests every ledger row rather than the latest load's: a build that failed
# after its load leaves those rows to this one, since the next day's build tests its own load only.
FULL_LEDGER_TESTS_WEEKDAY = 6  # Sunday, the quietest night


def previous_business_date(moment: datetime) -> date:
    return business_date(moment) - timedelta(days=1)


# On by default: wherever the Dagster daemon runs (`fluxo serve dagster`, `fluxo demo`), the
# previous day is loaded at 01:00; switch it off in the UI (Automation) where that is unwanted.
# The run key is the date, so a tick evaluated twice never launches a second run.
@dg.schedule(
    job=daily_job,
    cron_schedule="0 1 * * *",
    execution_timezone=BUSINESS_TIMEZONE.key,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """The previous day, not the current one: at 01:00 the day before is complete."""
    moment = context.scheduled_execution_time or datetime.now(BUSINESS_TIMEZONE)
    day = previous_business_date(moment).isoformat()
    weekly = moment.astimezone(BUSINESS_TIMEZONE).weekday() == FULL_LEDGER_TESTS_WEEKDAY
    tags = {FULL_LEDGER_TESTS_TAG: "true"} if weekly else {}
    return dg.RunRequest(run_key=day, partition_key=day, tags=tags)
