"""The SLA sweep: level 1 at the deadline, level 2 one period later, exactly once."""

import io
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from leads.models import Escalation, Lead
from leads.services import lead_claim_next, lead_touch, sla_sweep
from org.models import Notification
from tests.conftest import race
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def sales_head(db):  # type: ignore[no-untyped-def]
    return UserFactory(role="sales", is_head=True)


def test_nothing_happens_before_the_deadline(make_lead, sales_head):
    lead = make_lead(now=T0)
    assert sla_sweep(now=T0 + timedelta(minutes=4, seconds=59)).total == 0
    lead.refresh_from_db()
    assert lead.sla_breached is False


def test_level_1_flags_and_notifies_the_head_of_sales(
    make_lead, sales_head, seller, django_capture_on_commit_callbacks
):
    lead = make_lead(now=T0)
    lead_claim_next(user=seller, now=T0)
    with django_capture_on_commit_callbacks(execute=True):
        result = sla_sweep(now=T0 + timedelta(minutes=5))
    assert (result.level1, result.level2) == (1, 0)
    lead.refresh_from_db()
    assert lead.sla_breached is True
    assert lead.owner == seller  # level 1 only tells; the salesperson keeps the lead
    escalation = Escalation.objects.get(lead=lead)
    assert (escalation.level, escalation.queue_entry, escalation.action, escalation.owner) == (
        1,
        1,
        "notified_heads",
        seller,
    )
    assert Notification.objects.filter(recipient=sales_head).count() == 1
    assert [m.to for m in mail.outbox] == [[sales_head.email]]


def test_level_2_returns_an_owned_lead_to_the_queue(make_lead, sales_head, seller):
    lead = make_lead(now=T0)
    lead_claim_next(user=seller, now=T0)
    sla_sweep(now=T0 + timedelta(minutes=5))
    clock = T0 + timedelta(minutes=10)

    result = sla_sweep(now=clock)

    assert (result.level1, result.level2) == (0, 1)
    lead.refresh_from_db()
    assert (lead.status, lead.owner, lead.queue_entry) == ("new", None, 2)
    assert lead.sla_breached is True  # it stays true
    assert lead.sla_deadline == clock + timedelta(minutes=5)
    assert Notification.objects.filter(recipient=seller).count() == 1
    assert [e.action for e in lead.escalations.all()] == ["notified_heads", "returned_to_queue"]


def test_an_unassigned_lead_stays_queued_and_management_hears(make_lead, sales_head, manager):
    lead = make_lead(now=T0)
    deadline = Lead.objects.get(pk=lead.pk).sla_deadline
    sla_sweep(now=T0 + timedelta(minutes=5))
    result = sla_sweep(now=T0 + timedelta(minutes=10))
    assert result.level2 == 1
    lead.refresh_from_db()
    assert (lead.status, lead.owner, lead.sla_deadline, lead.queue_entry) == (
        "new",
        None,
        deadline,
        1,
    )
    assert Notification.objects.filter(recipient=manager).count() == 1
    assert sla_sweep(now=T0 + timedelta(days=3)).total == 0


def test_a_late_sweep_catches_up_both_levels(make_lead, sales_head, seller):
    make_lead(now=T0)
    lead_claim_next(user=seller, now=T0)
    result = sla_sweep(now=T0 + timedelta(minutes=30))
    assert (result.level1, result.level2) == (1, 1)


def test_each_level_happens_once_per_queue_entry(make_lead, sales_head, seller):
    lead = make_lead(now=T0)
    lead_claim_next(user=seller, now=T0)
    for minute in (5, 6, 7, 10, 11, 12):
        sla_sweep(now=T0 + timedelta(minutes=minute))
    # the second queue entry gets its own levels
    lead_claim_next(user=seller, now=T0 + timedelta(minutes=12))
    for minute in (15, 16, 20, 21):
        sla_sweep(now=T0 + timedelta(minutes=minute))
    rows = list(Escalation.objects.filter(lead=lead).values_list("queue_entry", "level"))
    assert sorted(rows) == [(1, 1), (1, 2), (2, 1), (2, 2)]
    # entry 3 (unclaimed since minute 20) escalates once per level, however often swept
    for minute in (40, 41, 90):
        sla_sweep(now=T0 + timedelta(minutes=minute))
    rows = list(Escalation.objects.filter(lead=lead).values_list("queue_entry", "level"))
    assert sorted(rows) == [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2)]


def test_a_touched_lead_is_never_escalated(make_lead, sales_head, seller):
    lead = make_lead(now=T0)
    lead_claim_next(user=seller, now=T0)
    lead_touch(lead=lead, by=seller, kind="call", now=T0 + timedelta(minutes=3))
    assert sla_sweep(now=T0 + timedelta(hours=5)).total == 0
    lead.refresh_from_db()
    assert lead.sla_breached is False


def test_touch_after_breach_keeps_the_flag_and_stops_level_2(make_lead, sales_head, seller):
    lead = make_lead(now=T0)
    lead_claim_next(user=seller, now=T0)
    sla_sweep(now=T0 + timedelta(minutes=6))
    lead_touch(lead=lead, by=seller, kind="call", now=T0 + timedelta(minutes=7))
    assert sla_sweep(now=T0 + timedelta(minutes=20)).total == 0
    lead.refresh_from_db()
    assert (lead.sla_breached, lead.owner, lead.status) == (True, seller, "contacted")


def test_api_shows_escalations_oldest_first(as_user, manager, make_lead, sales_head, seller):
    lead = make_lead(now=T0)
    lead_claim_next(user=seller, now=T0)
    sla_sweep(now=T0 + timedelta(minutes=5))
    sla_sweep(now=T0 + timedelta(minutes=10))
    body = as_user(manager).get(f"/api/v1/leads/{lead.pk}/").json()
    assert [(e["level"], e["action"]) for e in body["escalations"]] == [
        (1, "notified_heads"),
        (2, "returned_to_queue"),
    ]
    assert body["sla_breached"] is True


def test_command_runs_one_sweep_with_a_clock(make_lead, sales_head):
    make_lead(now=T0)
    out = io.StringIO()
    call_command("sla_sweep", "--now", (T0 + timedelta(minutes=6)).isoformat(), stdout=out)
    assert "1 level-1 and 0 level-2" in out.getvalue()


@pytest.mark.parametrize("garbage", ["garbage", "2026-13-45T99:00", "", "yesterday"])
def test_command_rejects_a_bad_clock(garbage):
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("sla_sweep", "--now", garbage)


def test_command_exit_code_is_non_zero_on_garbage():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "sla_sweep", "--now", "garbage"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
    )
    assert result.returncode != 0
    assert "ISO 8601" in result.stderr, result.stderr[-2000:]


def test_notification_email_is_sent_once_even_when_delivered_twice(make_lead, sales_head):
    from org.tasks import notifications_flush, notifications_send_email

    make_lead(now=T0)
    sla_sweep(now=T0 + timedelta(minutes=5))
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert notifications_send_email(ids) == 1
    assert notifications_send_email(ids) == 0
    assert notifications_flush() == 0
    assert len(mail.outbox) == 1


def test_flush_sends_what_the_broker_never_delivered(make_lead, sales_head):
    from org.tasks import notifications_flush

    make_lead(now=T0)
    sla_sweep(now=T0 + timedelta(minutes=5))  # on_commit never ran: nothing sent yet
    assert mail.outbox == []
    assert notifications_flush() == 1
    assert len(mail.outbox) == 1


# --- Overlapping sweeps on PostgreSQL ---------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_sweeps_escalate_each_level_once():
    from leads.services import LeadInput, Source, lead_intake
    from tests.factories import ChannelFactory

    UserFactory(role="sales", is_head=True)
    seller = UserFactory(role="sales")
    channel = ChannelFactory(slug="web")
    for i in range(120):
        lead_intake(
            data=LeadInput(name=f"L{i}", channel=channel, email=f"l{i}@x.ru"),
            source=Source.API,
            now=T0,
        )
    for _ in range(60):
        lead_claim_next(user=seller, now=T0)

    def sweep_twice_at(clock) -> None:  # type: ignore[no-untyped-def]
        race(*[lambda: sla_sweep(now=clock)] * 4, reraise=True)

    sweep_twice_at(T0 + timedelta(minutes=5))
    assert Escalation.objects.filter(level=1).count() == 120
    sweep_twice_at(T0 + timedelta(minutes=10))
    assert Escalation.objects.filter(level=2).count() == 120
    assert Escalation.objects.count() == 240
    assert Lead.objects.filter(queue_entry=2, owner__isnull=True, status="new").count() == 60
    # One digest per sweep and head, and every breach told exactly once.
    assert Notification.objects.filter(subject__startswith="SLA breached").count() <= 4
    # The headlines count every breach once (the bodies name the first DIGEST_LINES of each).
    assert breaches_counted() == Lead.objects.count()
    named = breach_mentions()
    assert len(named) == len(set(named))


def test_a_late_first_touch_is_breached_even_before_any_sweep(make_lead, seller):
    lead = make_lead(now=T0)
    lead_claim_next(user=seller, now=T0)
    lead_touch(lead=lead, by=seller, kind="call", now=T0 + timedelta(minutes=6))
    lead.refresh_from_db()
    assert lead.sla_breached is True
    assert Escalation.objects.count() == 0  # nobody to chase any more: already touched


def breaches_counted() -> int:
    """The breaches the heads of sales' digests report, from their headlines."""
    subjects = Notification.objects.filter(subject__startswith="SLA breached").values_list(
        "subject", flat=True
    )
    return sum(int(re.match(r"SLA breached: (\d+)", subject)[1]) for subject in subjects)


def breach_mentions() -> list[int]:
    """The leads the heads of sales were told about, one entry per mention in a digest."""
    bodies = Notification.objects.filter(subject__startswith="SLA breached").values_list(
        "body", flat=True
    )
    return [int(pk) for body in bodies for pk in re.findall(r"/leads/(\d+)/", body)]
