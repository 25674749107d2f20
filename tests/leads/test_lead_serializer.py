"""LeadSerializer's own to_representation gives exactly what DRF's generic one gives, for leads
in every state the API shows (queue, assigned and escalated, disqualified, qualified, converted
with a deal, scored)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers

from leads import selectors
from leads.api.lead import LeadSerializer
from leads.models import Escalation
from leads.services import lead_claim_next, lead_touch
from tests.leads.test_query_counts import ALL_MET, populate
from tests.leads.test_scoring import cold, expo, trained  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def drf(lead):  # type: ignore[no-untyped-def]
    """DRF's generic path: a get_attribute and a to_representation per declared field."""
    return serializers.ModelSerializer.to_representation(LeadSerializer(), lead)


def test_every_field_as_drf_gives_it(manager, seller, make_lead, trained, expo):  # noqa: F811
    populate(make_lead, seller, 1)  # a converted lead with a deal, a disqualified one, one queued
    make_lead(channel=expo, email="scored@gmail.com")  # scored, with factors
    escalated = make_lead()
    escalated = lead_claim_next(user=seller)
    Escalation.objects.create(
        lead=escalated,
        queue_entry=1,
        level=1,
        action=Escalation.Action.choices[0][0],
        owner=seller,
        at=timezone.now() - timedelta(minutes=3),
    )
    lead_touch(lead=escalated, by=seller, kind="call")
    leads = list(selectors.lead_list(user=manager))
    assert any(lead.score is not None for lead in leads)
    assert any(lead.qualification == ALL_MET for lead in leads)
    for lead in leads:
        fast = LeadSerializer(lead).data
        assert list(fast) == list(LeadSerializer.Meta.fields)
        assert fast == drf(lead), lead
    escalations = [LeadSerializer(lead).data["escalations"] for lead in leads]
    assert next(e for e in escalations if e)[0]["level"] == 1


def test_a_list_of_leads_serializes_alike(as_user, manager, seller, make_lead):
    populate(make_lead, seller, 2)
    body = as_user(manager).get("/api/v1/leads/").json()
    expected = [drf(lead) for lead in selectors.lead_list(user=manager)]
    assert body["results"] == [dict(row) for row in expected]
