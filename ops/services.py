"""The SLA sweep watchdog: silence is the alarm (a dead-man's switch on our own sweep).

It runs as its own cheap periodic task and on every status or metrics read, so an outage of
Celery beat itself (which would also stop the periodic watchdog) is still noticed as soon as
Prometheus scrapes or someone opens the status page.

Management is told once per outage and once on recovery, however many watchdogs run at once:
opening an outage is an insert that the partial unique constraint admits once, closing it a
conditional update that one caller wins; only the winner notifies.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ops.models import Outage
from ops.selectors import SweepHealth, sweep_health
from org.heartbeats import SLA_SWEEP
from org.models import User
from org.services import Message, managers, notify_many

logger = logging.getLogger(__name__)


def _when(at: datetime | None) -> str:
    if at is None:
        return _("never")
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S %Z")


def _tell_management(write: Callable[[], tuple[str, str]]) -> None:
    """One message per language: each manager reads it in the language they use Tandem in."""
    link = reverse("ops:status")
    by_language: dict[str, list[User]] = defaultdict(list)
    for person in managers():
        by_language[person.preferred_language].append(person)
    messages = []
    for language, people in sorted(by_language.items()):
        with translation.override(language):
            messages.append(Message(people, *write(), link=link))
    notify_many(messages)


def _outage_message(health: SweepHealth) -> tuple[str, str]:
    subject = _("SLA sweep stopped: SLAs are not being enforced")
    body = _(
        "No SLA sweep has finished since %(last)s (allowed: %(threshold)s seconds). Leads are "
        "not escalated until it runs again. Check that Celery beat and a worker are running "
        "and that the broker is reachable."
    ) % {"last": _when(health.last_finished_at), "threshold": int(health.threshold_seconds)}
    return subject, body


def _recovery_message(outage: Outage, health: SweepHealth) -> tuple[str, str]:
    subject = _("SLA sweep running again")
    body = _(
        "The SLA sweep finished at %(last)s; the outage noticed at %(since)s is over and "
        "overdue leads are being escalated again."
    ) % {"last": _when(health.last_finished_at), "since": _when(outage.started_at)}
    return subject, body


def sla_sweep_watchdog(*, now: datetime | None = None) -> SweepHealth:
    """Compare the sweep's heartbeat with ``now``; open or close the outage and tell
    management when this call is the one that changed it. Returns the health it saw."""
    now = now or timezone.now()
    health = sweep_health(now=now)
    if not health.healthy:
        try:
            with transaction.atomic():
                Outage.objects.create(
                    job=SLA_SWEEP, started_at=now, last_finished_at=health.last_finished_at
                )
                _tell_management(lambda: _outage_message(health))
        except IntegrityError:
            return health  # already open: told once, when it was opened
        logger.error("SLA sweep outage: no sweep finished since %s", health.last_finished_at)
        return health
    with transaction.atomic():
        outage = (
            Outage.objects.select_for_update(skip_locked=True)
            .filter(job=SLA_SWEEP, recovered_at__isnull=True)
            .first()
        )
        if outage is None:
            return health
        closed = Outage.objects.filter(pk=outage.pk, recovered_at__isnull=True).update(
            recovered_at=now
        )
        if closed:
            _tell_management(lambda: _recovery_message(outage, health))
            logger.warning("SLA sweep recovered (outage since %s)", outage.started_at)
    return health
