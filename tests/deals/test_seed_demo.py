import io

import pytest
from django.core.management import call_command

from deals.models import Deal, DealStage, Payment
from org.models import FunnelStage, HandOff, ReportingLine, Responsibility

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_pipeline_and_the_matrix(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())

    open_stages = set(
        Deal.objects.filter(status="open").values_list("stage__code", flat=True).distinct()
    )
    assert open_stages == set(
        DealStage.objects.filter(is_active=True).values_list("code", flat=True)
    )
    assert set(Deal.objects.values_list("status", flat=True)) == {"open", "won", "lost"}
    assert not Deal.objects.filter(status="lost", lost_reason__isnull=True).exists()
    assert Payment.objects.filter(deal__status="won").exists()
    assert not Payment.objects.filter(deal__status="lost").exists()
    assert Deal.objects.filter(previous_deal__isnull=False, lead__isnull=True).exists()
    assert (
        Deal.objects.filter(lead__isnull=False).count()
        == Deal.objects.filter(lead__status="converted").count()
    )
    assert FunnelStage.objects.count() == 10
    assert Responsibility.objects.count() == 30
    assert HandOff.objects.exists() and ReportingLine.objects.exists()
    counts = (Deal.objects.count(), Payment.objects.count())

    call_command("seed_demo", stdout=io.StringIO())
    assert (Deal.objects.count(), Payment.objects.count()) == counts
