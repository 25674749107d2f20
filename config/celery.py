import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tandem")
# Every Celery setting lives in Django settings under the CELERY_ prefix.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _django_logging(**kwargs) -> None:
    """Workers log through Django's LOGGING (LOG_FORMAT, request ids), not Celery's own."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send ``task`` after the surrounding transaction commits, never failing the caller.

    The database already holds whatever the task is about, and a periodic sweeper redoes
    unfinished work, so a broker that is down must not turn a saved lead into an error.
    """
    from django.db import transaction

    def send() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except Exception:  # kombu/redis connection errors vary by transport
            import logging

            logging.getLogger(__name__).warning(
                "broker unavailable; %s will be picked up by the next sweep",
                task.name,
                exc_info=True,
            )

    transaction.on_commit(send)
