import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from kpi.models import Period, Rating, Statement

pytestmark = pytest.mark.django_db


def test_seed_demo_shows_the_whole_bonus_loop(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())

    periods = list(Period.objects.order_by("starts_on"))
    assert [p.status for p in periods] == ["closed", "closed", "open"]
    today = timezone.localdate()
    assert periods[2].starts_on <= today <= periods[2].ends_on
    for period in periods[:2]:
        approved = Statement.objects.get(period=period, status="approved")
        assert approved.lines.count() == 6  # mhead, marketer; shead, sales1..3
        for dept, pool in (("marketing", approved.marketing_pool), ("sales", approved.sales_pool)):
            assert sum(line.amount for line in approved.lines.filter(department=dept)) == pool
    assert Rating.objects.filter(period=periods[2]).count() == 4
    counts = (Period.objects.count(), Statement.objects.count(), Rating.objects.count())

    call_command("seed_demo", stdout=io.StringIO())
    assert (Period.objects.count(), Statement.objects.count(), Rating.objects.count()) == counts
