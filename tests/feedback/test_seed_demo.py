import io

import pytest
from django.core.management import call_command

from feedback.models import (
    ActionItem,
    Brief,
    Dispute,
    LeadFeedback,
    Objection,
    ObjectionAnswer,
    ObjectionHeard,
    ReviewMeeting,
)

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_every_part_of_feedback_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())

    assert LeadFeedback.objects.count() > 50
    assert LeadFeedback.objects.filter(tags__isnull=False).exists()
    assert {r for r in LeadFeedback.objects.values_list("rating", flat=True)} == {1, 2, 3, 4, 5}
    assert set(Dispute.objects.values_list("status", flat=True)) == set(Dispute.Status.values)
    assert Objection.objects.filter(answers__isnull=False).distinct().count() >= 4
    assert ObjectionAnswer.objects.filter(votes__isnull=False).exists()
    assert ObjectionHeard.objects.filter(deal__isnull=False).exists()
    assert ObjectionHeard.objects.filter(touch__isnull=False).exists()
    meetings = list(ReviewMeeting.objects.order_by("held_on"))
    assert len(meetings) == 2
    assert all(m.deals.exists() and m.participants.count() >= 4 for m in meetings)
    assert ActionItem.objects.filter(done_at__isnull=False).exists()
    assert ActionItem.objects.filter(done_at__isnull=True).exists()
    assert set(Brief.objects.values_list("status", flat=True)) == set(Brief.Status.values)
    assert Brief.objects.exclude(marketing_warning="").exists()
    counts = [
        m.objects.count()
        for m in (LeadFeedback, Dispute, Objection, ObjectionHeard, ReviewMeeting, Brief)
    ]

    call_command("seed_demo", stdout=io.StringIO())
    assert [
        m.objects.count()
        for m in (LeadFeedback, Dispute, Objection, ObjectionHeard, ReviewMeeting, Brief)
    ] == counts
