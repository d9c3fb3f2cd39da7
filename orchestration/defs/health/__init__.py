"""Run health in the warehouse: each run's outcome copied where the data-health dashboard reads."""

from orchestration.defs.health.record import record_run
from orchestration.defs.health.sensors import run_health_failure_sensor, run_health_success_sensor

__all__ = ["record_run", "run_health_failure_sensor", "run_health_success_sensor"]
