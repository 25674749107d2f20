import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from leads.models import Lead
from org.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_refused_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_fills_every_status_and_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    users = set(User.objects.values_list("username", "role"))
    assert {
        ("manager", "management"),
        ("mhead", "marketing"),
        ("shead", "sales"),
        ("sales1", "sales"),
    } <= users
    assert User.objects.get(username="manager").check_password("tandem-demo")
    statuses = set(Lead.objects.values_list("status", flat=True))
    assert statuses == set(Lead.Status.values)
    assert Lead.objects.filter(sla_breached=True).exists()
    counts = (User.objects.count(), Lead.objects.count())
    # The history was replayed through the services over a simulated clock, with the sweep
    # running as beat would: nothing sits assigned and untouched past its level-2 escalation,
    # and nothing waits in the queue for days.
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    for lead in Lead.objects.filter(status="assigned"):
        assert lead.sla_deadline + timedelta(minutes=lead.sla_minutes) > now - timedelta(
            minutes=1
        ), lead
    # A lead the sweep took back keeps its old created_at: what must be recent is when it
    # (re-)entered the queue.
    assert not Lead.objects.filter(
        status="new", queue_entered_at__lt=now - timedelta(days=1)
    ).exists()
    assert not Lead.objects.filter(
        status="disqualified", disqualification_reason__code="no_response", touches__isnull=True
    ).exists()

    # A newcomer's `make run` shows trained lead scores: the demo's outcomes depend on what
    # is known at arrival, the model learnt them, every open lead is scored.
    from leads.models import ScoringModel

    model = ScoringModel.objects.get()
    assert model.closed_leads >= 100 and model.auc is not None and model.auc > 0.55
    assert not Lead.objects.filter(status__in=Lead.OPEN_STATUSES, score__isnull=True).exists()

    call_command("seed_demo", stdout=io.StringIO())
    assert (User.objects.count(), Lead.objects.count()) == counts
    assert ScoringModel.objects.count() == 1


def test_seed_demo_on_a_pilot_database_adds_no_data_and_runs_again(settings):
    """A pilot with real leads: the demo leaves them alone, adds no demo data (no objection
    library either) and every later run (each `make run`) succeeds the same way."""
    from feedback.models import Objection
    from tests.factories import LeadFactory

    settings.DEBUG = True
    real = LeadFactory()
    for _ in range(2):
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        assert "already holds data" in out.getvalue()
    assert list(Lead.objects.all()) == [real]
    assert not Objection.objects.exists()
    assert User.objects.filter(username="sales1").exists()  # the demo logins still work
