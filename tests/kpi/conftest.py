"""A known data set for the reports: every expected figure in the tests is worked out by hand
from the table below (period 2025-03-01 .. 2025-03-31, UTC; the report runs at NOW).

lead channel campaign segment    owner response SLA (5 min)         outcome
L1   ads     spring   smb        s1    60 s     met                 deal won, paid 300 + 200
L2   ads     spring   smb        s1    300 s    met (at deadline)   deal open, paid 100.50 in April
L3   ads     spring   enterprise s2    600 s    missed (breached)   qualified, disqualified no_need
L4   ads     brand    enterprise s2    7200 s   missed              deal lost, paid 50
L5   ads     brand    smb        s1    never    missed (past)       disqualified not_target
L6   seo     -        -          -     never    pending at NOW      new, created 03-31 23:59:59
L7   seo     -        smb        s1    90000 s  missed              deal won, no payment
L8   seo     -        enterprise s2    1800 s   no deadline         disqualified no_need
L12  seo     -        smb        s2    720 s    missed (re-queued)  contacted; touched before its
                                                                    2nd deadline, breached before
Outside: L9 (02-28 23:59:59, spring, deal won paid 999), L10 (04-01 00:00:00, spring).
spring costs 1000.00, brand's cost is unknown; form "spring-form" brought L1 and L2.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from deals.models import Deal
from leads.models import Campaign, Channel, Lead, WebForm
from org.models import User
from tests.factories import CampaignFactory, ChannelFactory, UserFactory, WebFormFactory
from tests.kpi.factories import deal_for, lead_at

NOW = datetime(2025, 4, 1, 0, 2, tzinfo=UTC)
MARCH = {"from": "2025-03-01", "to": "2025-03-31"}


def at(day: int, hour: int = 10, month: int = 3, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, second, tzinfo=UTC)


@dataclass
class FunnelData:
    ads: Channel
    seo: Channel
    spring: Campaign
    brand: Campaign
    form: WebForm
    s1: User
    s2: User
    marketer: User
    leads: dict[str, Lead]


@pytest.fixture
def funnel_data(db, marketer) -> FunnelData:  # type: ignore[no-untyped-def]
    ads = ChannelFactory(slug="ads", name="Ads")
    seo = ChannelFactory(slug="seo", name="SEO")
    spring = CampaignFactory(
        slug="spring", name="Spring", channel=ads, cost=Decimal("1000.00"), owner=marketer
    )
    brand = CampaignFactory(slug="brand", name="Brand", channel=ads, cost=None)
    form = WebFormFactory(slug="spring-form", name="Spring form", channel=ads, campaign=spring)
    s1 = UserFactory(username="anna", first_name="Anna", last_name="Sales", role="sales")
    s2 = UserFactory(username="boris", first_name="Boris", last_name="Sales", role="sales")
    sp = {"channel": ads, "campaign": spring}
    br = {"channel": ads, "campaign": brand}
    leads = {
        "L1": lead_at(
            at(2), touch_after=60, qualified=True, segment="smb", owner=s1, form=form, **sp
        ),
        "L2": lead_at(
            at(3), touch_after=300, qualified=True, segment="smb", owner=s1, form=form, **sp
        ),
        "L3": lead_at(
            at(4),
            touch_after=600,
            qualified=True,
            reason="no_need",
            segment="enterprise",
            owner=s2,
            sla_breached=True,
            **sp,
        ),
        "L4": lead_at(
            at(5),
            touch_after=7200,
            qualified=True,
            segment="enterprise",
            owner=s2,
            sla_breached=True,
            **br,
        ),
        "L5": lead_at(at(6), reason="not_target", segment="smb", owner=s1, sla_breached=True, **br),
        "L6": lead_at(at(31, 23, minute=59, second=59), channel=seo),
        "L7": lead_at(
            at(10),
            touch_after=90000,
            qualified=True,
            segment="smb",
            owner=s1,
            sla_breached=True,
            channel=seo,
        ),
        "L8": lead_at(
            at(11),
            touch_after=1800,
            sla_minutes=None,
            reason="no_need",
            segment="enterprise",
            owner=s2,
            channel=seo,
        ),
        # Missed its first deadline, went back to the queue at 10:10 with a new one at 10:15,
        # and was touched at 10:12: still a breach of the first-response SLA.
        "L12": lead_at(
            at(12),
            touch_after=720,
            sla_minutes=15,
            segment="smb",
            owner=s2,
            sla_breached=True,
            channel=seo,
        ),
        "L9": lead_at(
            at(28, 23, month=2, minute=59, second=59), touch_after=30, qualified=True, **sp
        ),
        "L10": lead_at(at(1, 0, month=4), touch_after=30, **sp),
    }
    deal_for(leads["L1"], status=Deal.Status.WON, payments=(("300.00", at(5)), ("200.00", at(31))))
    deal_for(leads["L2"], payments=(("100.50", at(1, 0, month=4, minute=1)),))
    deal_for(leads["L4"], status=Deal.Status.LOST, payments=(("50.00", at(20)),))
    deal_for(leads["L7"], status=Deal.Status.WON)
    deal_for(leads["L9"], status=Deal.Status.WON, payments=(("999.00", at(3)),))
    return FunnelData(ads, seo, spring, brand, form, s1, s2, marketer, leads)


@pytest.fixture
def minutes() -> timedelta:
    return timedelta(minutes=1)


from tests.kpi.bonus_data import bonus_data  # noqa: E402, F401  (a fixture for the bonus tests)
