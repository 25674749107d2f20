"""The SLA sweep heartbeat and its watchdog (docs/api.md, Operations): silence is the alarm."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from ops.models import Outage
from ops.selectors import sweep_health
from ops.services import sla_sweep_watchdog
from ops.tasks import sla_sweep_watchdog_task
from org.heartbeats import SLA_SWEEP, heartbeat_finished, last_heartbeat
from org.models import Notification
from tests.conftest import race
from tests.factories import UserFactory

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _interval(settings):
    settings.SLA_SWEEP_SECONDS = 30  # unhealthy after 90 s of silence


def outage_notes():
    return Notification.objects.filter(subject__startswith="SLA sweep stopped")


def recovery_notes():
    return Notification.objects.filter(subject__startswith="SLA sweep running again")


def test_every_sweep_records_its_heartbeat(db):
    from django.core.management import call_command

    from leads.services import sla_sweep

    assert last_heartbeat(SLA_SWEEP) is None
    sla_sweep()
    first = last_heartbeat(SLA_SWEEP)
    assert first is not None and first.runs == 1
    assert first.finished_at is not None and first.finished_at >= first.started_at
    assert first.duration is not None and first.duration >= 0

    # The management command is the same service, and records wall-clock times even with an
    # injected sweep clock.
    call_command("sla_sweep", "--now", "2020-01-01T00:00:00+00:00", stdout=io.StringIO())
    second = last_heartbeat(SLA_SWEEP)
    assert second.runs == 2
    assert second.finished_at >= first.finished_at


def test_a_sweep_that_dies_records_no_finish(db, monkeypatch):
    from leads.services import sla_sweep
    from leads.services import sweep as sweep_module

    heartbeat_finished(SLA_SWEEP, at=T0, duration=0.5)

    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(sweep_module, "_sweep_batch", boom)
    with pytest.raises(RuntimeError):
        sla_sweep()
    beat = last_heartbeat(SLA_SWEEP)
    assert beat.finished_at == T0 and beat.runs == 1
    assert beat.started_at > T0


def test_never_swept_is_unhealthy(db):
    health = sweep_health(now=T0)
    assert health.lag_seconds is None
    assert not health.healthy


def test_fires_once_after_three_intervals_of_silence_and_once_on_recovery(
    db, manager, django_capture_on_commit_callbacks
):
    second_manager = UserFactory(role="management")
    UserFactory(role="sales", is_head=True)  # not management: not told
    heartbeat_finished(SLA_SWEEP, at=T0, duration=0.2)

    with django_capture_on_commit_callbacks(execute=True):
        # Within 3 x 30 s: healthy, nothing said.
        assert sla_sweep_watchdog(now=T0 + timedelta(seconds=89)).healthy
        assert sla_sweep_watchdog(now=T0 + timedelta(seconds=90)).healthy
        assert not outage_notes().exists()

        # Silence past 3 intervals: management told once, however often the watchdog runs.
        assert not sla_sweep_watchdog(now=T0 + timedelta(seconds=91)).healthy
        for later in (120, 300, 3600):
            assert not sla_sweep_watchdog(now=T0 + timedelta(seconds=later)).healthy
    notes = outage_notes()
    assert sorted(n.recipient_id for n in notes) == sorted([manager.pk, second_manager.pk])
    assert all(n.link == "/status/" for n in notes)
    outage = Outage.objects.get()
    assert outage.started_at == T0 + timedelta(seconds=91)
    assert outage.last_finished_at == T0 and outage.recovered_at is None
    assert len([m for m in mail.outbox if m.subject.startswith("SLA sweep stopped")]) == 2

    # A sweep finishes again: recovery told once.
    back = T0 + timedelta(seconds=4000)
    heartbeat_finished(SLA_SWEEP, at=back, duration=0.1)
    with django_capture_on_commit_callbacks(execute=True):
        for later in (1, 2, 30):
            assert sla_sweep_watchdog(now=back + timedelta(seconds=later)).healthy
    assert recovery_notes().count() == 2
    assert outage_notes().count() == 2
    outage.refresh_from_db()
    assert outage.recovered_at == back + timedelta(seconds=1)
    assert len([m for m in mail.outbox if m.subject.startswith("SLA sweep running")]) == 2

    # A second outage is a new one, told again.
    assert not sla_sweep_watchdog(now=back + timedelta(seconds=200)).healthy
    assert outage_notes().count() == 4
    assert Outage.objects.count() == 2


def test_the_periodic_task_is_the_same_watchdog(db, manager):
    assert sla_sweep_watchdog_task.delay().get() is False  # never swept
    assert outage_notes().count() == 1


def test_each_manager_is_told_in_the_language_they_use_tandem_in(client, db, manager):
    english = UserFactory(role="management")
    client.force_login(manager)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/leads/"})
    client.get("/leads/")  # the manager reads Tandem in Russian now; remembered
    manager.refresh_from_db()
    assert manager.language == "ru"

    heartbeat_finished(SLA_SWEEP, at=T0, duration=0.1)
    sla_sweep_watchdog(now=T0 + timedelta(minutes=5))
    russian_note = Notification.objects.get(recipient=manager)
    assert russian_note.subject.startswith("Сбор SLA остановлен")  # noqa: RUF001
    assert Notification.objects.get(recipient=english).subject.startswith("SLA sweep stopped")

    heartbeat_finished(SLA_SWEEP, at=T0 + timedelta(minutes=6), duration=0.1)
    sla_sweep_watchdog(now=T0 + timedelta(minutes=6, seconds=1))
    assert manager.notifications.filter(subject__startswith="Сбор SLA снова работает").exists()  # noqa: RUF001


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_watchdogs_tell_once_per_outage_and_once_on_recovery():
    managers = [UserFactory(role="management") for _ in range(2)]
    heartbeat_finished(SLA_SWEEP, at=T0, duration=0.2)

    def watchdogs_at(now: datetime) -> None:
        race(*[lambda: sla_sweep_watchdog(now=now)] * 6, reraise=True)

    watchdogs_at(T0 + timedelta(seconds=200))
    assert outage_notes().count() == len(managers)
    heartbeat_finished(SLA_SWEEP, at=T0 + timedelta(seconds=300), duration=0.1)
    watchdogs_at(T0 + timedelta(seconds=301))
    assert recovery_notes().count() == len(managers)
    assert Outage.objects.filter(recovered_at__isnull=True).count() == 0
