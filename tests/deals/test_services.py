"""Deal services directly: the rules hold for every caller (views, API, admin, demo)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from deals.models import Deal, DealStage, Payment
from deals.services import (
    PaymentAlreadyVoided,
    deal_close,
    deal_create_from_lead,
    deal_create_repeat,
    deal_move,
    deal_stage_save,
    deal_update,
    paid_total_of,
    payment_record,
    payment_void,
)
from leads.models import Lead
from org.matrix import rules_of
from org.models import FunnelStage
from tests.factories import CampaignFactory, UserFactory, WebFormFactory

pytestmark = pytest.mark.django_db


def test_conversion_carries_the_leads_attribution(qualified, seller, channel):
    campaign = CampaignFactory(channel=channel, slug="spring")
    form = WebFormFactory(channel=channel, campaign=campaign, slug="demo-request")
    lead = qualified(seller)
    Lead.objects.filter(pk=lead.pk).update(campaign=campaign, form=form, segment="smb")
    lead.refresh_from_db()

    deal = deal_create_from_lead(
        lead=lead, by=seller, title="Licences", amount=Decimal("500"), currency="EUR"
    )

    assert (deal.channel, deal.campaign, deal.form, deal.segment) == (
        channel,
        campaign,
        form,
        "smb",
    )
    assert (deal.owner, deal.stage.code, deal.status, deal.currency) == (
        seller,
        "proposal",
        "open",
        "EUR",
    )
    assert deal.customer == lead.name
    lead.refresh_from_db()
    assert lead.status == "converted"
    assert lead.deal == deal


def test_conversion_with_a_negative_amount_leaves_the_lead_qualified(qualified, seller):
    lead = qualified(seller)
    with pytest.raises(ValidationError):
        deal_create_from_lead(lead=lead, by=seller, title="x", amount=Decimal("-1"))
    lead.refresh_from_db()
    assert lead.status == "qualified"
    assert not Deal.objects.exists()


def test_repeat_sale_keeps_the_original_source(won_deal, seller, manager):
    earlier = won_deal(seller)
    repeat = deal_create_repeat(previous=earlier, by=manager, title="Renewal", amount=Decimal(9))
    assert repeat.previous_deal == earlier
    assert repeat.lead is None
    assert (repeat.channel_id, repeat.campaign_id, repeat.segment) == (
        earlier.channel_id,
        earlier.campaign_id,
        earlier.segment,
    )
    assert repeat.owner == seller  # management's repeat sale goes to the customer's salesperson
    assert repeat.history.first().history_user == manager


def test_repeat_sale_needs_an_owner_still_in_sales(won_deal, seller, manager):
    earlier = won_deal(seller)
    seller.is_active = False
    seller.save()
    with pytest.raises(ValidationError) as error:
        deal_create_repeat(previous=earlier, by=manager, title="Renewal", amount=Decimal(9))
    assert "owner" in error.value.message_dict


def test_marketing_may_not_create_close_pay_or_edit(won_deal, make_deal, seller, marketer):
    deal = make_deal(seller)
    with pytest.raises(PermissionDenied):
        deal_create_repeat(previous=won_deal(seller), by=marketer, title="x", amount=Decimal(1))
    with pytest.raises(PermissionDenied):
        deal_close(deal=deal, outcome="won", by=marketer)
    with pytest.raises(PermissionDenied):
        payment_record(deal=deal, amount=Decimal(1), by=marketer)
    with pytest.raises(PermissionDenied):
        deal_update(deal=deal, title="x", by=marketer)


def test_a_colleague_cannot_act_on_the_deal_even_past_the_views(make_deal, seller, other_seller):
    deal = make_deal(seller)
    for act in (
        lambda: deal_move(deal=deal, stage="meeting", by=other_seller),
        lambda: deal_close(deal=deal, outcome="won", by=other_seller),
        lambda: payment_record(deal=deal, amount=Decimal(1), by=other_seller),
    ):
        with pytest.raises(ValidationError, match="owner"):
            act()


def test_move_records_history_with_the_moment_it_happened(qualified, seller):
    created = timezone.now() - timedelta(days=3)
    deal = deal_create_from_lead(
        lead=qualified(seller), by=seller, title="x", amount=Decimal(1), now=created
    )
    then = created + timedelta(days=1)
    deal = deal_move(deal=deal, stage="negotiation", by=seller, now=then)
    assert deal.stage_changed_at == then
    change = deal.stage_changes.order_by("-pk").first()
    assert (change.from_stage.code, change.to_stage.code, change.at) == (
        "proposal",
        "negotiation",
        then,
    )
    created_record, moved_record = deal.history.order_by("history_date")
    assert created_record.history_date == created
    assert (moved_record.history_date, moved_record.history_user, moved_record.stage.code) == (
        then,
        seller,
        "negotiation",
    )


def test_payments_are_money_received_not_the_deal_amount(make_deal, seller):
    deal = make_deal(seller, amount="1000.00")
    payment_record(deal=deal, amount=Decimal("100.00"), by=seller)
    payment_record(deal=deal, amount=Decimal("1500.00"), by=seller)  # more than agreed: kept
    assert sum(p.amount for p in deal.payments.all()) == Decimal("1600.00")


@pytest.mark.parametrize("amount", ["0", "-0.01", "-100", "NaN", "Infinity"])
def test_a_payment_must_be_positive(make_deal, seller, amount):
    deal = make_deal(seller)
    with pytest.raises(ValidationError) as error:
        payment_record(deal=deal, amount=Decimal(amount), by=seller)
    assert "amount" in error.value.message_dict
    assert not Payment.objects.exists()


def test_a_payment_dated_ahead_within_clock_skew_is_fine_beyond_is_not(make_deal, seller):
    deal = make_deal(seller)
    now = timezone.now()
    payment_record(deal=deal, amount=Decimal(1), by=seller, paid_at=now + timedelta(minutes=2))
    with pytest.raises(ValidationError):
        payment_record(deal=deal, amount=Decimal(1), by=seller, paid_at=now + timedelta(hours=1))
    assert Payment.objects.count() == 1


def test_a_voided_payment_stays_on_record_and_stops_counting(make_deal, seller, manager):
    deal = make_deal(seller)
    kept = payment_record(deal=deal, amount=Decimal("50.00"), by=seller)
    wrong = payment_record(deal=deal, amount=Decimal("9000000.00"), by=seller)
    assert paid_total_of(deal) == Decimal("9000050.00")
    with pytest.raises(ValidationError) as no_reason:
        payment_void(payment=wrong, by=seller, reason="  ")
    assert "reason" in no_reason.value.message_dict
    payment_void(payment=wrong, by=seller, reason="typo: one zero too many")
    with pytest.raises(PaymentAlreadyVoided):
        payment_void(payment=wrong, by=manager, reason="again")
    assert paid_total_of(deal) == Decimal("50.00")
    assert Payment.objects.count() == 2
    assert list(Payment.objects.counted()) == [kept]
    wrong.refresh_from_db()
    assert (wrong.voided_by, wrong.void_reason) == (seller, "typo: one zero too many")
    audit = Payment.history.filter(id=wrong.pk).order_by("-history_date").first()
    assert (audit.history_change_reason, audit.history_user) == ("voided", seller)


def test_only_the_owner_or_management_voids(make_deal, seller, manager):
    deal = make_deal(seller)
    payment = payment_record(deal=deal, amount=Decimal("10.00"), by=seller)
    colleague = UserFactory(role="sales")
    with pytest.raises(ValidationError):
        payment_void(payment=payment, by=colleague, reason="not mine")
    payment_void(payment=payment, by=manager, reason="refunded")
    assert not Payment.objects.counted().exists()


def test_lost_needs_a_reason_from_the_controlled_list(make_deal, seller):
    from deals.models import LostReason

    deal = make_deal(seller)
    LostReason.objects.filter(code="timing").update(is_active=False)
    for reason in (None, "", "timing", "because"):
        with pytest.raises(ValidationError):
            deal_close(deal=deal, outcome="lost", reason=reason, by=seller)
    deal = deal_close(deal=deal, outcome="lost", reason="no_budget", by=seller)
    assert (deal.status, deal.lost_reason.code) == ("lost", "no_budget")
    assert deal.history.first().history_change_reason == "closed lost (no_budget)"


def test_a_new_stage_gets_its_row_in_the_matrix_after_its_neighbour(manager):
    stage = DealStage(code="demo", name="Product demo", order=25)
    deal_stage_save(stage=stage, by=manager)

    stage.refresh_from_db()
    row = stage.funnel_stage
    meeting_row = FunnelStage.objects.get(code="meeting")
    assert row.code == "demo"
    assert row.order == meeting_row.order + 1
    assert rules_of(row).letters == {"marketing": "I", "sales": "R", "management": "A"}
    assert stage.history.first().history_user == manager


def test_a_new_stage_whose_code_is_a_matrix_row_uses_that_row(manager):
    stage = deal_stage_save(stage=DealStage(code="loyalty", name="Loyalty", order=90), by=manager)
    assert stage.funnel_stage == FunnelStage.objects.get(code="loyalty")
    with pytest.raises(ValidationError):
        deal_stage_save(stage=DealStage(code="meeting", name="Twice", order=95), by=manager)


def test_only_managers_change_stages(seller):
    with pytest.raises(PermissionDenied):
        deal_stage_save(stage=DealStage(code="demo", name="Demo", order=25), by=seller)
    assert not DealStage.objects.filter(code="demo").exists()


def test_a_stage_with_open_deals_stays_on_and_the_pipeline_keeps_a_stage(
    make_deal, seller, manager
):
    deal = make_deal(seller)
    stage = DealStage.objects.get(code="proposal")
    stage.is_active = False
    with pytest.raises(ValidationError, match="open deals"):
        deal_stage_save(stage=stage, by=manager)
    deal_close(deal=deal, outcome="won", by=seller)
    deal_stage_save(stage=stage, by=manager)  # no open deal there any more

    for code in ("meeting", "negotiation"):
        other = DealStage.objects.get(code=code)
        other.is_active = False
        deal_stage_save(stage=other, by=manager)
    last = DealStage.objects.get(code="contract")
    last.is_active = False
    with pytest.raises(ValidationError, match="at least one"):
        deal_stage_save(stage=last, by=manager)


def test_signing_off_the_same_stage_twice_at_once_keeps_one_row(make_deal, seller, require_signoff):
    from deals.models import StageApproval
    from deals.services import deal_sign_off

    deal = make_deal(seller)
    require_signoff("proposal", "marketing")
    first, second = UserFactory(role="marketing"), UserFactory(role="marketing")
    deal_sign_off(deal=deal, stage="proposal", by=first)
    with pytest.raises(ValidationError):
        deal_sign_off(deal=deal, stage="proposal", by=second)
    assert StageApproval.objects.get().approved_by == first
