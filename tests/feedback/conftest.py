"""Feedback fixtures built through the real services: leads are claimed and touched by their
owner, disputes and briefs are walked to the state a test needs the way people would."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import Deal
from deals.services import deal_create_from_lead
from feedback.models import Brief, Dispute
from feedback.services import (
    brief_create,
    brief_transition,
    dispute_decide,
    dispute_raise,
    dispute_respond,
)
from leads.models import Campaign, Lead
from leads.services import lead_claim_next, lead_qualify, lead_touch
from org.models import User
from tests.factories import CampaignFactory, UserFactory

ALL_MET = {
    "target_segment": True,
    "real_need": True,
    "valid_contacts": True,
    "ready_for_dialog": True,
}


@pytest.fixture
def mhead(db):  # type: ignore[no-untyped-def]
    return UserFactory(role="marketing", is_head=True)


@pytest.fixture
def other_marketer(db):  # type: ignore[no-untyped-def]
    return UserFactory(role="marketing")


@pytest.fixture
def campaign(marketer, channel) -> Campaign:  # type: ignore[no-untyped-def]
    """A campaign owned by ``marketer``."""
    return CampaignFactory(slug="spring", name="Spring", channel=channel, owner=marketer)


@pytest.fixture
def worked(make_lead, campaign):  # type: ignore[no-untyped-def]
    """``worked(seller, **lead_fields)``: a lead (of ``campaign`` by default) claimed and
    touched by that salesperson."""

    def make(seller: User, touch: bool = True, **fields: object) -> Lead:
        fields.setdefault("campaign", campaign)
        lead = make_lead(**fields)
        claimed = lead_claim_next(user=seller)
        assert claimed is not None and claimed.pk == lead.pk
        if touch:
            lead_touch(lead=claimed, by=seller, kind="call")
        claimed.refresh_from_db()
        return claimed

    return make


@pytest.fixture
def deal_of(worked):  # type: ignore[no-untyped-def]
    """``deal_of(seller)``: a deal converted from a qualified lead of that salesperson."""

    def make(seller: User, **fields: object) -> Deal:
        lead = lead_qualify(lead=worked(seller, **fields), by=seller, criteria=ALL_MET)
        return deal_create_from_lead(lead=lead, by=seller, title="Licences", amount=Decimal("100"))

    return make


@pytest.fixture
def dispute_in(worked, marketer, manager):  # type: ignore[no-untyped-def]
    """``dispute_in(status, seller)``: a dispute walked through the services to ``status``."""

    def make(status: str, seller: User) -> Dispute:
        dispute = dispute_raise(
            lead=worked(seller), by=seller, unmet_criteria=["real_need"], comment="A student."
        )
        if status == "open":
            return dispute
        answer = "accept" if status in ("accepted", "upheld") else "contest"
        dispute = dispute_respond(dispute=dispute, by=marketer, answer=answer, comment="Seen.")
        if status in ("accepted", "contested"):
            return dispute
        return dispute_decide(dispute=dispute, by=manager, decision=status, reason="Because.")

    return make


# The way through the brief workflow to each status, and who makes each move.
BRIEF_PATHS = {
    "draft": [],
    "approved": ["approved"],
    "in_progress": ["approved", "in_progress"],
    "delivered": ["approved", "in_progress", "delivered"],
    "accepted": ["approved", "in_progress", "delivered", "accepted"],
    "returned": ["approved", "in_progress", "delivered", "returned"],
}


@pytest.fixture
def brief_in(seller, marketer, manager):  # type: ignore[no-untyped-def]
    """``brief_in(status, requester=seller)``: a brief walked to ``status``; ``marketer``
    works on it, ``manager`` approves it."""

    def make(status: str, requester: User | None = None) -> Brief:
        requester = requester or seller
        brief = brief_create(
            by=requester,
            title="Case study",
            goal="Proof for logistics prospects",
            due_on=timezone.localdate() + timedelta(days=7),
        )
        actors = {"approved": manager, "in_progress": marketer, "delivered": marketer}
        for to in BRIEF_PATHS[status]:
            brief = brief_transition(
                brief=brief,
                to=to,
                by=actors.get(to, requester),
                comment="Needs numbers" if to == "returned" else "",
            )
        return brief

    return make
