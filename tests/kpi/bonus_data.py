"""A known period for the bonus tests; every figure asserted is worked out by hand here.

Period 2025-03-01 .. 2025-03-31 (UTC), goal 1000.00, pool 10 %, marketing 40 %,
steps 0 -> x1, 1 -> x1.5. Campaign A belongs to m1, campaign B to m2; mh (marketing head)
owns none. Sales: s1, s2 and their head sh.

lead camp owner SLA       outcome                                   dispute
A1   A    s1    met       deal D1 won, "Acme", paid 600 (Mar) + 100 (Apr)
A2   A    s1    missed    disqualified, with a note                  upheld
A3   A    s2    met       deal D2 open, "Beta", no close date, 400    rejected
B1   B    s2    missed    disqualified, no note (never touched)
B2   B    s2    met       deal D3 lost, "Gamma"; a 500 payment voided
N1   -    s1    met       contacted
Outside: P0 (created 02-28, A, s1) -> deal D4 (created 02-28) paid 200 on 03-15.

Revenue: 600 + 400 + 200 = 1200.00 (April's 100 and the voided 500 do not count).
Marketing: leads 6, upheld 1, counted 5, deals 3 (A1, A3, B2), rate 0.6000.
  m1: leads 3, upheld 1, counted 2, deals 2; m2: leads 2, counted 2, deals 1; mh: nothing.
Sales: s1 revenue 800 (D1 600 + D4 200), SLA 2/3, hygiene 2/2 (A2 noted, D1 complete),
  ratings 80/60; s2 revenue 400, SLA 2/3, hygiene 1/3 (B1 no note, D2 no close date, D3 ok),
  ratings 50/100; sh: nothing, no ratings.
Pools: attainment 1.2000 -> x1.5; pool 1200 x 10 % x 1.5 = 180.00; marketing 72.00;
  sales 108.00.
Marketing scores (50/50): m1 50/3 + 50*2/3 = 50; m2 50/3 + 50/3 = 100/3; mh 50/3 -> of
  100: 36.00, 24.00, 12.00.
Sales scores (50/15/15/10/10): s1 50*800/1200 + 15*2/3 + 15 + 8 + 6 = 217/3;
  s2 50*400/1200 + 10 + 5 + 5 + 10 = 140/3; sh 0. Of 119: s1 108*217/357 = 65.647...,
  s2 42.352...; floors 65.64 + 42.35 = 107.99, the cent goes to s1 (larger remainder):
  65.65, 42.35, 0.00.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from deals.models import Deal, Payment
from feedback.models import Dispute
from kpi import services
from kpi.models import Period
from leads.models import Campaign, Lead, LeadDefinition
from org.models import User
from tests.factories import CampaignFactory, ChannelFactory, UserFactory
from tests.kpi.factories import deal_for, lead_at


def at(day: int, month: int = 3, hour: int = 10) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


MARCH = services.Scheme(
    starts_on=date(2025, 3, 1),
    ends_on=date(2025, 3, 31),
    revenue_goal=Decimal("1000.00"),
    pool_percent=Decimal("10"),
    marketing_share=Decimal("40"),
    steps=((Decimal("0"), Decimal("1")), (Decimal("1"), Decimal("1.5"))),
)


@dataclass
class BonusData:
    period: Period
    manager: User
    m1: User
    m2: User
    mh: User
    s1: User
    s2: User
    sh: User
    a: Campaign
    b: Campaign
    leads: dict[str, Lead]
    deals: dict[str, Deal]


def _deal(lead: Lead, created: datetime, customer: str, **kwargs: object) -> Deal:
    deal = deal_for(lead, **kwargs)  # type: ignore[arg-type]
    Deal.objects.filter(pk=deal.pk).update(created_at=created, customer=customer)
    deal.refresh_from_db()
    return deal


@pytest.fixture
def bonus_data(db, manager) -> BonusData:  # type: ignore[no-untyped-def]
    m1 = UserFactory(username="m1", role="marketing")
    m2 = UserFactory(username="m2", role="marketing")
    mh = UserFactory(username="mh", role="marketing", is_head=True)
    s1 = UserFactory(username="s1", role="sales")
    s2 = UserFactory(username="s2", role="sales")
    sh = UserFactory(username="sh", role="sales", is_head=True)
    ads = ChannelFactory(slug="ads", name="Ads")
    a = CampaignFactory(slug="a", channel=ads, owner=m1, cost=Decimal("300.00"))
    b = CampaignFactory(slug="b", channel=ads, owner=m2)
    leads = {
        "A1": lead_at(at(2), touch_after=60, owner=s1, campaign=a, channel=ads),
        "A2": lead_at(
            at(3),
            touch_after=600,
            sla_breached=True,
            reason="no_need",
            disqualification_note="They have no budget this year.",
            owner=s1,
            campaign=a,
            channel=ads,
        ),
        "A3": lead_at(at(4), touch_after=120, owner=s2, campaign=a, channel=ads),
        "B1": lead_at(at(5), reason="not_target", owner=s2, campaign=b, channel=ads),
        "B2": lead_at(at(6), touch_after=30, owner=s2, campaign=b, channel=ads),
        "N1": lead_at(at(7), touch_after=200, owner=s1, channel=ads),
        "P0": lead_at(at(28, month=2), touch_after=60, owner=s1, campaign=a, channel=ads),
    }
    deals = {
        "D1": _deal(
            leads["A1"],
            at(10),
            "Acme",
            status=Deal.Status.WON,
            payments=(("600.00", at(12)), ("100.00", at(2, month=4))),
        ),
        "D2": _deal(leads["A3"], at(11), "Beta", payments=(("400.00", at(20)),)),
        "D3": _deal(leads["B2"], at(12), "Gamma", status=Deal.Status.LOST),
        "D4": _deal(
            leads["P0"],
            at(28, month=2),
            "Delta",
            status=Deal.Status.WON,
            payments=(("200.00", at(15)),),
        ),
    }
    Payment.objects.create(
        deal=deals["D3"],
        amount=Decimal("500.00"),
        paid_at=at(13),
        recorded_by=s2,
        voided_at=at(14),
        voided_by=manager,
        void_reason="Entered on the wrong deal.",
    )
    definition = LeadDefinition.objects.first()
    for code, decision in (("A2", Dispute.Status.UPHELD), ("A3", Dispute.Status.REJECTED)):
        Dispute.objects.create(
            lead=leads[code],
            raised_by=leads[code].owner,
            definition=definition,
            status=decision,
            decided_by=manager,
            decided_at=at(20),
        )
    period = services.period_create(scheme=MARCH, by=manager)
    services.rating_set(period=period, user=s1, communication=80, objections=60, by=sh)
    services.rating_set(period=period, user=s2, communication=50, objections=100, by=sh)
    return BonusData(period, manager, m1, m2, mh, s1, s2, sh, a, b, leads, deals)
