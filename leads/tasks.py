from celery import shared_task
from django.utils import timezone

from leads.services import erase_expired
from leads.services import sla_sweep as run_sla_sweep


@shared_task(name="leads.tasks.sla_sweep", ignore_result=True)
def sla_sweep() -> dict[str, int]:
    """Periodic sweeper (Celery beat). Safe to run twice or overlapping: see the service."""
    result = run_sla_sweep(now=timezone.now())
    return {"level1": result.level1, "level2": result.level2}


@shared_task(name="leads.tasks.pii_retention", ignore_result=True)
def pii_retention() -> int:
    """Erase personal data past ``PII_RETENTION_DAYS`` (off by default). Idempotent: an erased
    lead is skipped, and a run that stops halfway leaves the rest to the next one."""
    return erase_expired(now=timezone.now())


@shared_task(name="leads.tasks.train_scoring", ignore_result=True)
def train_scoring() -> int | None:
    """Nightly (Celery beat): train the scoring model, rescore the open leads, flag poorly
    scoring campaigns. Safe to run twice: a run while another trains does nothing, and a
    campaign is flagged once per week."""
    from leads.scoring.training import train_scoring as run_training

    result = run_training()
    return result.model.version if result.model else None


@shared_task(name="leads.tasks.import_job_run", ignore_result=True)
def import_job_run(job_id: int) -> bool:
    """Messenger: import one uploaded CSV file (a job). Safe to run twice: see the service."""
    from leads.csv_import import import_job_run as run

    return run(job_id=job_id) is not None


@shared_task(name="leads.tasks.import_jobs_sweep", ignore_result=True)
def import_jobs_sweep() -> int:
    """Sweeper: resend lost import jobs and close those whose worker died."""
    from leads.csv_import import import_jobs_sweep as sweep

    return sweep(now=timezone.now())
