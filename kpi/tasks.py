from celery import shared_task

from kpi import services


@shared_task(name="kpi.tasks.period_end_sweep", ignore_result=True)
def period_end_sweep() -> dict[str, int]:
    """Sweeper: a first draft statement for every ended period without one, and one reminder
    to management per period that ended without an approved statement (safe to run twice)."""
    return services.period_end_sweep()
