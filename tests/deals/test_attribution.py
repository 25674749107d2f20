"""Attribution travels from the lead to the deal to the money: revenue is the payments, and it
is credited to the channel, campaign, web form and segment the lead came from."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from deals.selectors import deal_scope, revenue_by_source
from deals.services import (
    deal_close,
    deal_create_from_lead,
    deal_create_repeat,
    payment_record,
)
from leads.models import Lead
from tests.deals.factories import ALL_MET
from tests.factories import CampaignFactory, ChannelFactory, WebFormFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources(db):  # type: ignore[no-untyped-def]
    ads = ChannelFactory(slug="google-ads", name="Google Ads")
    expo = ChannelFactory(slug="exhibitions", name="Exhibitions")
    return {
        "ads": ads,
        "expo": expo,
        "spring": CampaignFactory(slug="spring-search", channel=ads),
        "demo_form": WebFormFactory(slug="demo-request", channel=ads),
        "expo_campaign": CampaignFactory(slug="crm-expo", channel=expo),
    }


@pytest.fixture
def deal_from(make_lead, seller):  # type: ignore[no-untyped-def]
    """``deal_from(amount, channel=..., campaign=..., ...)``: a lead with that attribution,
    taken through the whole lead life to a deal."""
    from leads.services import lead_claim_next, lead_qualify, lead_touch

    def make(amount: str, **attribution: object):  # type: ignore[no-untyped-def]
        lead = make_lead(**{k: v for k, v in attribution.items() if k in ("channel", "campaign")})
        extra = {k: v for k, v in attribution.items() if k in ("form", "segment")}
        if extra:
            Lead.objects.filter(pk=lead.pk).update(**extra)
        lead = lead_claim_next(user=seller)
        lead_touch(lead=lead, by=seller, kind="call")
        lead = lead_qualify(lead=lead, by=seller, criteria=ALL_MET)
        return deal_create_from_lead(lead=lead, by=seller, title="Deal", amount=Decimal(amount))

    return make


def _by(group: str, **kwargs: object) -> dict[str, Decimal]:
    return {row["source"]: row["revenue"] for row in revenue_by_source(group_by=group, **kwargs)}


def test_revenue_is_the_payments_credited_to_the_leads_source(deal_from, sources, seller):
    from_ads = deal_from(
        "10000.00",
        channel=sources["ads"],
        campaign=sources["spring"],
        form=sources["demo_form"],
        segment="smb",
    )
    from_expo = deal_from(
        "50000.00", channel=sources["expo"], campaign=sources["expo_campaign"], segment="enterprise"
    )
    never_paid = deal_from("99999.00", channel=sources["expo"])  # an amount is not revenue

    assert (from_ads.channel, from_ads.campaign, from_ads.form, from_ads.segment) == (
        sources["ads"],
        sources["spring"],
        sources["demo_form"],
        "smb",
    )
    payment_record(deal=from_ads, amount=Decimal("4000.00"), by=seller)
    payment_record(deal=from_ads, amount=Decimal("6000.00"), by=seller)
    payment_record(deal=from_expo, amount=Decimal("20000.00"), by=seller)
    deal_close(deal=never_paid, outcome="lost", reason="price", by=seller)

    assert _by("channel") == {"google-ads": Decimal("10000.00"), "exhibitions": Decimal("20000.00")}
    assert _by("campaign") == {
        "spring-search": Decimal("10000.00"),
        "crm-expo": Decimal("20000.00"),
    }
    assert _by("form") == {"demo-request": Decimal("10000.00"), "": Decimal("20000.00")}
    assert _by("segment") == {"smb": Decimal("10000.00"), "enterprise": Decimal("20000.00")}
    rows = {r["source"]: r for r in revenue_by_source(group_by="channel")}
    assert (rows["google-ads"]["deals"], rows["google-ads"]["payments"]) == (1, 2)
    assert rows["google-ads"]["label"] == "Google Ads"


def test_repeat_revenue_is_credited_to_the_channel_that_brought_the_customer(
    deal_from, sources, seller
):
    first = deal_close(deal=deal_from("100.00", channel=sources["expo"]), outcome="won", by=seller)
    payment_record(deal=first, amount=Decimal("100.00"), by=seller)
    again = deal_create_repeat(previous=first, by=seller, title="More", amount=Decimal("40.00"))
    payment_record(deal=again, amount=Decimal("40.00"), by=seller)

    assert _by("channel") == {"exhibitions": Decimal("140.00")}


def test_revenue_counts_payments_by_when_they_were_paid(deal_from, sources, seller, settings):
    settings.TIME_ZONE = "Europe/Moscow"
    moscow = ZoneInfo("Europe/Moscow")
    deal = deal_from("1000.00", channel=sources["ads"])
    late_on_the_first = datetime(2026, 3, 1, 23, 30, tzinfo=moscow)
    early_on_the_second = datetime(2026, 3, 2, 0, 30, tzinfo=moscow)
    for at, amount in ((late_on_the_first, "1.00"), (early_on_the_second, "2.00")):
        payment_record(deal=deal, amount=Decimal(amount), by=seller, paid_at=at)

    with timezone.override(moscow):
        day = late_on_the_first.date()
        assert _by("channel", start=day, end=day) == {"google-ads": Decimal("1.00")}
        following = day + timedelta(days=1)
        assert _by("channel", start=following) == {"google-ads": Decimal("2.00")}


def test_a_salespersons_revenue_is_their_own(deal_from, sources, seller, other_seller):
    deal = deal_from("10.00", channel=sources["ads"])
    payment_record(deal=deal, amount=Decimal("10.00"), by=seller)
    assert _by("channel", deals=deal_scope(user=seller)) == {"google-ads": Decimal("10.00")}
    assert _by("channel", deals=deal_scope(user=other_seller)) == {}
