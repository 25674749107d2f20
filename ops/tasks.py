from celery import shared_task

from ops.services import sla_sweep_watchdog


@shared_task(name="ops.tasks.sla_sweep_watchdog", ignore_result=True)
def sla_sweep_watchdog_task() -> bool:
    """Cheap periodic check that SLA sweeps still finish (safe to run twice or overlapping)."""
    return sla_sweep_watchdog().healthy
