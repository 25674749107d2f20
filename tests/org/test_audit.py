"""The one audit helper: who, why (cut to the history column) and when, single and bulk."""

from datetime import UTC, datetime

import pytest
from django.apps import apps

from leads.models import AssignmentMode, Lead, SalesProfile
from leads.services import LeadInput, Source, lead_intake
from org.audit import REASON_MAX, bulk_history, save_audited, stamp
from org.models import FunnelStage
from tests.factories import ChannelFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_reason_max_is_every_history_tables_column() -> None:
    lengths = {
        model._meta.label: model._meta.get_field("history_change_reason").max_length
        for model in apps.get_models()
        if model._meta.model_name.startswith("historical")
    }
    assert lengths and set(lengths.values()) == {REASON_MAX}, lengths


def test_save_audited_records_who_why_and_when() -> None:
    manager = UserFactory(role="management")
    stage = FunnelStage(code="x", name="X", order=99)
    at = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    save_audited(stage, by=manager, reason="r" * 300, at=at)
    record = stage.history.get()
    assert (record.history_user, record.history_change_reason, record.history_date) == (
        manager,
        "r" * REASON_MAX,
        at,
    )


def test_bulk_history_writes_each_stamp_in_one_insert(django_assert_num_queries) -> None:
    channel = ChannelFactory()
    user = UserFactory(role="marketing")
    leads = [
        stamp(Lead(name=f"L{i}", channel=channel, email=f"{i}@x.ru"), by=user, reason=f"r{i}")
        for i in range(3)
    ]
    Lead.objects.bulk_create(leads)
    with django_assert_num_queries(1):
        bulk_history(Lead, leads)
    rows = sorted(Lead.history.values_list("name", "history_change_reason", "history_user"))
    assert rows == [(f"L{i}", f"r{i}", user.pk) for i in range(3)]


def test_intake_assigning_to_a_long_username_keeps_a_valid_reason() -> None:
    """A legal 150-character username made the form intake's reason overflow the column."""
    seller = UserFactory(role="sales", username="s" * 150)
    SalesProfile.objects.create(user=seller)
    channel = ChannelFactory(assignment=AssignmentMode.ROUND_ROBIN)
    lead = lead_intake(
        data=LeadInput(name="Long", channel=channel, email="long@x.ru"), source=Source.FORM
    ).lead
    assert lead.owner == seller
    reason = lead.history.get().history_change_reason
    assert reason.startswith("intake (form); auto-assigned to sss")
    assert len(reason) == REASON_MAX
