"""Celery for real: a worker (and beat) started by the test, talking through Redis."""

import threading
import time
from datetime import timedelta

import pytest
from celery.beat import Service
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from config.celery import app
from leads.models import Escalation, Lead
from leads.services import LeadInput, Source, lead_intake
from org.models import Notification
from tests.factories import ChannelFactory, UserFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_app(tmp_path):  # type: ignore[no-untyped-def]
    """The project's Celery app pointed at Redis, not eager, with a clean queue."""
    previous = {
        "broker_url": app.conf.broker_url,
        "task_always_eager": app.conf.task_always_eager,
        "beat_schedule": app.conf.beat_schedule,
    }
    app.conf.update(broker_url=settings.REDIS_URL, task_always_eager=False)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    yield app
    app.conf.update(**previous)


def wait_for(condition, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def breaching_lead() -> Lead:
    UserFactory(role="sales", is_head=True)
    channel = ChannelFactory(slug="web")
    past = timezone.now() - timedelta(minutes=6)
    return lead_intake(
        data=LeadInput(name="Late", channel=channel, email="late@example.ru"),
        source=Source.API,
        now=past,
    ).lead


def test_a_task_sent_through_redis_is_run_by_a_real_worker(redis_app):
    from leads.tasks import sla_sweep

    lead = breaching_lead()
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = sla_sweep.apply_async()
        assert result.id
        assert wait_for(lambda: Lead.objects.get(pk=lead.pk).sla_breached)
    assert Escalation.objects.filter(lead=lead, level=1).count() == 1
    assert Notification.objects.filter(subject__startswith="SLA breached").count() == 1


def test_beat_and_worker_escalate_a_breach_on_their_own(redis_app, tmp_path):
    redis_app.conf.beat_schedule = {
        "sla-sweep": {"task": "leads.tasks.sla_sweep", "schedule": 0.5},
    }
    lead = breaching_lead()
    beat = Service(redis_app, max_interval=0.5, schedule_filename=str(tmp_path / "beat"))
    beat_thread = threading.Thread(target=beat.start, daemon=True)
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        beat_thread.start()
        try:
            assert wait_for(lambda: Escalation.objects.filter(lead=lead, level=1).exists())
            # Beat keeps sweeping; the breach is still escalated exactly once.
            time.sleep(1.5)
        finally:
            beat.stop()
            beat_thread.join(timeout=10)
    assert Escalation.objects.filter(lead=lead).count() == 1
    assert Lead.objects.get(pk=lead.pk).sla_breached is True
