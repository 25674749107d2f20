"""Heartbeats: a periodic job records when it ran, so that its silence can be noticed.

Use it around a job's entry point::

    with heartbeat("sla-sweep"):
        ...

Each write is one upsert in its own short transaction (autocommit), so a heartbeat never holds
locks across the job and a job that dies leaves ``started_at`` newer than ``finished_at``.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db.models import F
from django.utils import timezone

from org.models import Heartbeat

SLA_SWEEP = "sla-sweep"


def heartbeat_started(name: str, *, at: datetime) -> None:
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=name, started_at=at)],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["started_at"],
    )


def heartbeat_finished(name: str, *, at: datetime, duration: float) -> None:
    updated = Heartbeat.objects.filter(name=name).update(
        finished_at=at, duration=duration, runs=F("runs") + 1
    )
    if not updated:
        Heartbeat.objects.bulk_create(
            [Heartbeat(name=name, started_at=at, finished_at=at, duration=duration, runs=1)],
            update_conflicts=True,
            unique_fields=["name"],
            update_fields=["finished_at", "duration", "runs"],
        )


@contextmanager
def heartbeat(name: str, *, clock: Callable[[], datetime] = timezone.now) -> Iterator[None]:
    """Record the start, run the block, record the finish and duration (only on success).

    The times are the wall clock, never a job's own simulated clock (``sla_sweep --now``):
    the watchdog compares them with the real time.
    """
    heartbeat_started(name, at=clock())
    began = time.monotonic()
    yield
    heartbeat_finished(name, at=clock(), duration=time.monotonic() - began)


def last_heartbeat(name: str) -> Heartbeat | None:
    return Heartbeat.objects.filter(name=name).first()
