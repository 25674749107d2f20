"""Deals made through the real services: a lead comes in, is claimed, touched, qualified and
converted, so every test starts from the state production would be in."""

from decimal import Decimal

import pytest

from deals.models import Deal
from deals.services import deal_close, deal_create_from_lead
from leads.models import Lead
from leads.services import lead_qualify
from org.models import FunnelStage, HandOff, Raci, Responsibility, User
from tests.deals.factories import ALL_MET


@pytest.fixture
def qualified(touched):  # type: ignore[no-untyped-def]
    """``qualified(seller)``: a lead of that salesperson, touched and qualified."""

    def make(seller: User) -> Lead:
        lead = touched(seller)
        return lead_qualify(lead=lead, by=seller, criteria=ALL_MET)

    return make


@pytest.fixture
def make_deal(qualified):  # type: ignore[no-untyped-def]
    """``make_deal(seller, amount=...)``: a deal converted from a qualified lead."""

    def make(seller: User, amount: str = "1000.00", title: str = "CRM licences") -> Deal:
        lead = qualified(seller)
        return deal_create_from_lead(lead=lead, by=seller, title=title, amount=Decimal(amount))

    return make


@pytest.fixture
def won_deal(make_deal):  # type: ignore[no-untyped-def]
    def make(seller: User) -> Deal:
        return deal_close(deal=make_deal(seller), outcome="won", by=seller)

    return make


@pytest.fixture
def set_letter(db):  # type: ignore[no-untyped-def]
    """``set_letter(stage, department, letter)`` writes one matrix cell directly: enforcement
    tests set any combination, even one the matrix editor refuses (two Accountables), to test
    the rule alone."""

    def write(stage: str, department: str, letter: str) -> None:
        assert letter in Raci.values
        updated = Responsibility.objects.filter(stage__code=stage, department=department).update(
            letter=letter
        )
        assert updated == 1

    return write


@pytest.fixture
def require_signoff(db):  # type: ignore[no-untyped-def]
    """``require_signoff(stage, approver)``: the stage's hand-off needs that department's
    sign-off (a rule a manager adds to the matrix)."""

    def add(stage: str, approver: str, source: str = "marketing", target: str = "sales") -> None:
        HandOff.objects.update_or_create(
            stage=FunnelStage.objects.get(code=stage),
            from_department=source,
            to_department=target,
            defaults={"what": "Signed-off materials", "approver": approver},
        )

    return add
