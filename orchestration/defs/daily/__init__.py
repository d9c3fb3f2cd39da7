"""The daily pipeline: the job over business dates and the schedule that runs it each night."""

from orchestration.defs.daily.jobs import DAILY_JOB, daily_job
from orchestration.defs.daily.schedules import daily_schedule

__all__ = ["DAILY_JOB", "daily_job", "daily_schedule"]
