"""Races with real threads on PostgreSQL: row locks and unique constraints decide, so a lead
is disputed once, a dispute is answered and decided once, a brief moves once per step."""

import pytest
from django.core.exceptions import ValidationError

from feedback.models import AnswerVote, Brief, Dispute, LeadFeedback
from feedback.services import (
    answer_add,
    answer_vote,
    brief_transition,
    dispute_decide,
    dispute_raise,
    dispute_respond,
    lead_feedback_give,
    objection_create,
)
from tests.conftest import race
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_double_submitted_dispute_is_raised_once(seller, worked):
    lead = worked(seller)
    results = race(*[lambda: dispute_raise(lead=lead, by=seller, unmet_criteria=["real_need"])] * 3)
    assert sum(isinstance(r, Dispute) for r in results) == 1
    assert sum(isinstance(r, ValidationError) for r in results) == 2
    assert Dispute.objects.count() == 1


def test_two_marketers_answering_at_once_give_one_answer(seller, marketer, worked):
    head = UserFactory(role="marketing", is_head=True)
    dispute = dispute_raise(lead=worked(seller), by=seller, unmet_criteria=["real_need"])
    results = race(
        lambda: dispute_respond(dispute=dispute, by=marketer, answer="accept", comment="Yes"),
        lambda: dispute_respond(dispute=dispute, by=head, answer="contest", comment="No"),
    )
    winners = [r for r in results if isinstance(r, Dispute)]
    assert len(winners) == 1 and sum(isinstance(r, ValidationError) for r in results) == 1
    dispute.refresh_from_db()
    assert dispute.status == winners[0].status
    assert dispute.history.filter(history_change_reason__in=["accept", "contest"]).count() == 1


def test_two_managers_deciding_at_once_decide_once(seller, marketer, manager, worked):
    other = UserFactory(role="management")
    dispute = dispute_raise(lead=worked(seller), by=seller, unmet_criteria=["real_need"])
    dispute_respond(dispute=dispute, by=marketer, answer="contest", comment="It was a lead")
    results = race(
        lambda: dispute_decide(dispute=dispute, by=manager, decision="upheld", reason="a"),
        lambda: dispute_decide(dispute=dispute, by=other, decision="rejected", reason="b"),
    )
    winners = [r for r in results if isinstance(r, Dispute)]
    assert len(winners) == 1 and sum(isinstance(r, ValidationError) for r in results) == 1
    dispute.refresh_from_db()
    assert (dispute.status, dispute.decided_by_id) == (winners[0].status, winners[0].decided_by_id)


def test_accept_and_return_at_once_leave_one_outcome(seller, manager, brief_in):
    brief = brief_in("delivered")
    results = race(
        lambda: brief_transition(brief=brief, to="accepted", by=seller),
        lambda: brief_transition(brief=brief, to="returned", by=manager, comment="More"),
    )
    winners = [r for r in results if isinstance(r, Brief)]
    assert len(winners) == 1 and sum(isinstance(r, ValidationError) for r in results) == 1
    brief.refresh_from_db()
    assert brief.status == winners[0].status
    assert brief.events.filter(from_status="delivered").count() == 1


def test_a_double_clicked_rating_leaves_one_row(seller, worked):
    lead = worked(seller)
    results = race(
        lambda: lead_feedback_give(lead=lead, by=seller, rating=2, tags=["no_budget"]),
        lambda: lead_feedback_give(lead=lead, by=seller, rating=2, tags=["no_budget"]),
    )
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(created for _feedback, created in results) == [False, True]  # type: ignore[misc]
    assert LeadFeedback.objects.filter(lead=lead).count() == 1


def test_a_double_clicked_vote_counts_once(seller, marketer):
    objection = objection_create(by=seller, text="Too expensive", category="price")
    answer = answer_add(objection=objection, by=marketer, text="Payback")
    results = race(
        lambda: answer_vote(answer=answer, by=seller), lambda: answer_vote(answer=answer, by=seller)
    )
    assert sorted(results) == [False, True]  # type: ignore[type-var]
    assert AnswerVote.objects.count() == 1
