"""Round-robin assignment as an alternative to claiming."""

import pytest

from leads.models import AssignmentMode, SalesProfile
from leads.services import LeadInput, Source, lead_intake
from tests.factories import ChannelFactory, UserFactory, WebFormFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rr_channel(db):  # type: ignore[no-untyped-def]
    return ChannelFactory(slug="referrals", assignment=AssignmentMode.ROUND_ROBIN)


def intake(channel, i: int, **extra):  # type: ignore[no-untyped-def]
    data = LeadInput(name=f"L{i}", channel=channel, email=f"l{i}@x.ru", **extra)
    return lead_intake(data=data, source=Source.API).lead


def seller_with(**profile):  # type: ignore[no-untyped-def]
    user = UserFactory(role="sales")
    SalesProfile.objects.create(user=user, **profile)
    return user


def test_round_robin_rotates_in_turn(rr_channel):
    a, b, c = seller_with(), seller_with(), seller_with()
    owners = [intake(rr_channel, i).owner for i in range(6)]
    assert owners == [a, b, c, a, b, c]
    lead = intake(rr_channel, 99)
    assert lead.status == "assigned"
    assert lead.assigned_at is not None
    assert lead.sla_deadline is not None  # the SLA clock runs for auto-assigned leads too


def test_queue_channels_are_not_assigned(channel):
    seller_with()
    lead = intake(channel, 1)
    assert (lead.status, lead.owner) == ("new", None)


def test_segment_and_region_restrictions(rr_channel):
    smb = seller_with(segments=["smb"])
    ural = seller_with(regions=["ural"])
    assert intake(rr_channel, 1, segment="enterprise", region="ural").owner == ural
    assert intake(rr_channel, 2, segment="smb", region="moscow").owner == smb
    nobody = intake(rr_channel, 3, segment="enterprise", region="moscow")
    assert (nobody.status, nobody.owner) == ("new", None)  # waits in the queue


def test_inactive_non_sales_opted_out_and_full_people_are_skipped(rr_channel):
    inactive = seller_with()
    inactive.is_active = False
    inactive.save()
    opted_out = seller_with(auto_assign=False)
    full = seller_with(max_open_leads=1)
    ok = seller_with()
    owners = [intake(rr_channel, i).owner for i in range(4)]
    assert inactive not in owners and opted_out not in owners
    assert owners.count(full) == 1
    assert owners.count(ok) == 3


def test_a_form_can_override_its_channel(channel, rr_channel):
    seller = seller_with()
    form = WebFormFactory(channel=channel, assignment=AssignmentMode.ROUND_ROBIN)
    lead = lead_intake(
        data=LeadInput(name="F", channel=channel, email="f@x.ru", form=form), source=Source.FORM
    ).lead
    assert lead.owner == seller
    queued_form = WebFormFactory(channel=rr_channel, assignment=AssignmentMode.QUEUE)
    lead = lead_intake(
        data=LeadInput(name="G", channel=rr_channel, email="g@x.ru", form=queued_form),
        source=Source.FORM,
    ).lead
    assert lead.owner is None


def test_assignment_is_in_the_audit_history(rr_channel):
    seller = seller_with()
    lead = intake(rr_channel, 1)
    record = lead.history.earliest()
    assert record.owner_id == seller.pk
    assert "auto-assigned" in record.history_change_reason
