"""Races on one deal, with real threads on PostgreSQL: the row lock decides, one at a time."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from deals.models import Deal, StageApproval, StageChange
from deals.services import deal_close, deal_move, deal_sign_off
from tests.conftest import race
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_won_and_lost_at_once_close_the_deal_exactly_once(make_deal, seller, manager):
    deal = make_deal(seller)
    results = race(
        lambda: deal_close(deal=deal, outcome="won", by=seller),
        lambda: deal_close(deal=deal, outcome="lost", reason="price", by=manager),
    )
    errors = [r for r in results if isinstance(r, ValidationError)]
    closed = [r for r in results if isinstance(r, Deal)]
    assert len(errors) == 1 and len(closed) == 1
    deal.refresh_from_db()
    assert deal.status == closed[0].status
    assert deal.history.filter(history_change_reason__startswith="closed").count() == 1


def test_concurrent_moves_keep_one_consistent_stage_trail(make_deal, seller):
    deal = make_deal(seller)
    race(
        lambda: deal_move(deal=deal, stage="meeting", by=seller),
        lambda: deal_move(deal=deal, stage="negotiation", by=seller),
        lambda: deal_move(deal=deal, stage="contract", by=seller),
    )
    trail = list(StageChange.objects.filter(deal=deal).order_by("pk"))
    # Each change starts where the previous one ended: no move decided on a stale stage.
    for before, after in itertools.pairwise(trail):
        assert after.from_stage_id == before.to_stage_id
    deal.refresh_from_db()
    assert deal.stage_id == trail[-1].to_stage_id


def test_two_marketers_signing_off_at_once_leave_one_signoff(make_deal, seller, require_signoff):
    deal = make_deal(seller)
    require_signoff("proposal", "marketing")
    first, second = UserFactory(role="marketing"), UserFactory(role="marketing")
    results = race(
        lambda: deal_sign_off(deal=deal, stage="proposal", by=first),
        lambda: deal_sign_off(deal=deal, stage="proposal", by=second),
    )
    assert sum(isinstance(r, StageApproval) for r in results) == 1
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert StageApproval.objects.filter(deal=deal).count() == 1
