from datetime import datetime

import pytest
from django.utils import timezone

from leads.models import Lead, SalesProfile
from leads.services import LeadInput, Source, lead_claim_next, lead_intake, lead_touch
from org.models import User
from tests.factories import ChannelFactory


@pytest.fixture
def channel(db):  # type: ignore[no-untyped-def]
    return ChannelFactory(slug="website", name="Website")


@pytest.fixture
def make_lead(channel):  # type: ignore[no-untyped-def]
    """``make_lead(email=..., now=...)``: a lead created through the intake service."""
    counter = iter(range(10_000))

    def make(now: datetime | None = None, **fields: object) -> Lead:
        n = next(counter)
        data = {"name": f"Lead {n}", "channel": channel, "email": f"lead{n}@example.com"}
        data.update(fields)
        return lead_intake(data=LeadInput(**data), source=Source.API, now=now).lead  # type: ignore[arg-type]

    return make


@pytest.fixture
def claimed(make_lead):  # type: ignore[no-untyped-def]
    """``claimed(seller)``: a fresh lead claimed by that salesperson."""

    def claim(seller: User, now: datetime | None = None) -> Lead:
        make_lead(now=now)
        lead = lead_claim_next(user=seller, now=now)
        assert lead is not None
        return lead

    return claim


@pytest.fixture
def touched(claimed):  # type: ignore[no-untyped-def]
    def touch(seller: User) -> Lead:
        lead = claimed(seller)
        lead_touch(lead=lead, by=seller, kind="call", now=timezone.now())
        lead.refresh_from_db()
        return lead

    return touch


@pytest.fixture
def capacity():  # type: ignore[no-untyped-def]
    def set_capacity(user: User, limit: int | None) -> SalesProfile:
        profile, _ = SalesProfile.objects.update_or_create(
            user=user, defaults={"max_open_leads": limit}
        )
        return profile

    return set_capacity
