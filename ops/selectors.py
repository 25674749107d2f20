"""The figures operations watches, read straight from the database.

Every web process and worker reads the same rows, so ``/metrics``, ``/api/v1/status/`` and
the status page agree whichever process answers (nothing to aggregate across processes).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from leads.models import Escalation, Lead
from ops.models import Outage
from org.heartbeats import SLA_SWEEP, last_heartbeat
from org.models import Notification

# The watchdog's rule (docs/api.md, Operations): unhealthy when no sweep finished within this many
# sweep intervals.
MISSED_INTERVALS = 3


def sweep_threshold_seconds() -> float:
    return MISSED_INTERVALS * float(settings.SLA_SWEEP_SECONDS)


@dataclass(frozen=True)
class SweepHealth:
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_duration_seconds: float | None
    lag_seconds: float | None  # None: no sweep has ever finished
    threshold_seconds: float

    @property
    def healthy(self) -> bool:
        return self.lag_seconds is not None and self.lag_seconds <= self.threshold_seconds


def sweep_health(*, now: datetime) -> SweepHealth:
    beat = last_heartbeat(SLA_SWEEP)
    finished = beat.finished_at if beat else None
    return SweepHealth(
        last_started_at=beat.started_at if beat else None,
        last_finished_at=finished,
        last_duration_seconds=beat.duration if beat else None,
        lag_seconds=max(0.0, (now - finished).total_seconds()) if finished else None,
        threshold_seconds=sweep_threshold_seconds(),
    )


@dataclass(frozen=True)
class QueueFigures:
    waiting: int  # unassigned leads in the queue
    oldest_waiting_seconds: float  # 0 when the queue is empty
    over_sla: int  # of those, past their SLA deadline
    most_overdue_seconds: float  # 0 when none is past its deadline


def queue_figures(*, now: datetime) -> QueueFigures:
    """One aggregate over the unassigned queue (the partial index on status='new')."""
    row = Lead.objects.filter(status=Lead.Status.NEW).aggregate(
        waiting=Count("pk"),
        oldest=Min(Coalesce("queue_entered_at", "created_at")),
        over_sla=Count("pk", filter=Q(sla_deadline__lt=now)),
        earliest_deadline=Min("sla_deadline"),
    )

    def seconds_since(at: datetime | None) -> float:
        return max(0.0, (now - at).total_seconds()) if at else 0.0

    return QueueFigures(
        waiting=row["waiting"],
        oldest_waiting_seconds=seconds_since(row["oldest"]),
        over_sla=row["over_sla"],
        most_overdue_seconds=seconds_since(row["earliest_deadline"]),
    )


def start_of_today(now: datetime) -> datetime:
    """Midnight of ``now``'s date in the company's time zone (TIME_ZONE)."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def breaches_today(*, now: datetime) -> int:
    """SLA breaches (level-1 escalations) since midnight in TIME_ZONE."""
    return Escalation.objects.filter(level=1, at__gte=start_of_today(now), at__lte=now).count()


def notifications_unsent() -> int:
    """E-mail copies not sent yet (the partial index ``notification_unsent_idx``)."""
    return Notification.objects.filter(send_email=True, emailed_at__isnull=True).count()


@dataclass(frozen=True)
class Status:
    now: datetime
    sweep: SweepHealth
    queue: QueueFigures
    breaches_today: int
    notifications_unsent: int


def ops_status(*, now: datetime) -> Status:
    return Status(
        now=now,
        sweep=sweep_health(now=now),
        queue=queue_figures(now=now),
        breaches_today=breaches_today(now=now),
        notifications_unsent=notifications_unsent(),
    )


def recent_outages(*, limit: int = 10) -> list[Outage]:
    return list(Outage.objects.order_by("-started_at", "-id")[:limit])


def outage_duration(outage: Outage, *, now: datetime) -> timedelta:
    return (outage.recovered_at or now) - outage.started_at
