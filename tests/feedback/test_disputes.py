"""Disputes: raising one, every transition allowed and forbidden (table-driven), who may
act (owner / colleague / other department), notifications, ages and the KPI selector."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import Dispute
from feedback.selectors import upheld_dispute_lead_ids
from feedback.services import dispute_raise
from leads.services import lead_disqualify, lead_qualify
from org.models import Notification
from tests.factories import UserFactory
from tests.feedback.conftest import ALL_MET

pytestmark = pytest.mark.django_db


def _raise(client, lead, data=None):  # type: ignore[no-untyped-def]
    body = {"unmet_criteria": ["real_need"], "comment": "A student."} if data is None else data
    return client.post(f"/api/v1/leads/{lead.pk}/dispute/", body, format="json")


def _act(client, dispute, action: str, data: dict):  # type: ignore[no-untyped-def,type-arg]
    return client.post(f"/api/v1/disputes/{dispute.pk}/{action}/", data, format="json")


# --- Raising -------------------------------------------------------------------------------


def test_the_owner_raises_a_dispute(as_user, seller, marketer, worked):
    lead = worked(seller)
    response = _raise(
        as_user(seller),
        lead,
        {"unmet_criteria": ["ready_for_dialog", "real_need", "real_need"], "comment": "Student"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["lead"] == lead.pk
    assert body["status"] == "open"
    assert body["unmet_criteria"] == ["real_need", "ready_for_dialog"]  # the definition's order
    assert body["definition_version"] == 1
    assert body["raised_by"] == seller.pk
    assert body["campaign"] == "spring"
    assert 0 <= body["age_seconds"] < 60
    # The campaign's marketer is asked to answer.
    note = Notification.objects.get(recipient=marketer)
    assert lead.name in note.subject
    assert note.link == f"/feedback/disputes/{body['id']}/"


def test_without_a_campaign_owner_the_heads_of_marketing_are_asked(
    as_user, seller, mhead, marketer, worked
):
    lead = worked(seller, campaign=None)
    assert _raise(as_user(seller), lead).status_code == 201
    assert Notification.objects.filter(recipient=mhead).count() == 1
    assert not Notification.objects.filter(recipient=marketer).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"unmet_criteria": []}, "unmet_criteria"),
        ({"unmet_criteria": ["no_such_criterion"]}, "unmet_criteria"),
        ({"unmet_criteria": ["real_need", "made_up"]}, "unmet_criteria"),
        ({"unmet_criteria": "real_need"}, "unmet_criteria"),
        ({}, "unmet_criteria"),
        ({"unmet_criteria": ["real_need"], "comment": "x" * 5001}, "comment"),
    ],
)
def test_bad_criteria_are_a_400_and_nothing_is_saved(as_user, seller, worked, data, field):
    response = _raise(as_user(seller), worked(seller), data)
    assert response.status_code == 400
    assert field in response.json()
    assert not Dispute.objects.exists()


def test_a_lead_is_disputed_once(as_user, seller, worked):
    lead = worked(seller)
    client = as_user(seller)
    assert _raise(client, lead).status_code == 201
    again = _raise(client, lead)
    assert again.status_code == 400
    assert "already disputed" in again.json()["detail"]
    assert Dispute.objects.count() == 1


def test_an_untouched_or_converted_lead_cannot_be_disputed(as_user, seller, worked, deal_of):
    untouched = worked(seller, touch=False)
    response = _raise(as_user(seller), untouched)
    assert response.status_code == 400 and "Contact the lead" in response.json()["detail"]
    converted = deal_of(seller).lead
    response = _raise(as_user(seller), converted)
    assert response.status_code == 400 and "deal" in response.json()["detail"]
    assert not Dispute.objects.exists()


def test_a_disqualified_lead_can_be_disputed(as_user, seller, worked):
    lead = lead_disqualify(lead=worked(seller), by=seller, reason="not_target")
    assert _raise(as_user(seller), lead).status_code == 201


def test_criteria_come_from_the_version_the_lead_was_checked_against(as_user, seller, worked):
    from leads.services import definition_approve, definition_propose

    lead = lead_qualify(lead=worked(seller), by=seller, criteria=ALL_MET)  # checked vs v1
    heads = [UserFactory(role="marketing", is_head=True), UserFactory(role="sales", is_head=True)]
    v2 = definition_propose(
        by=heads[0], criteria=[{"code": "has_budget", "label": "Budget", "required": True}]
    )
    for head in heads:
        definition_approve(definition=v2, by=head)
    assert _raise(as_user(seller), lead, {"unmet_criteria": ["has_budget"]}).status_code == 400
    ok = _raise(as_user(seller), lead, {"unmet_criteria": ["real_need"]})
    assert ok.status_code == 201 and ok.json()["definition_version"] == 1
    fresh = worked(seller)  # never checked: the active version (v2)
    ok = _raise(as_user(seller), fresh, {"unmet_criteria": ["has_budget"]})
    assert ok.status_code == 201 and ok.json()["definition_version"] == 2


def test_who_may_raise(api, as_user, seller, other_seller, marketer, manager, worked, make_lead):
    lead = worked(seller)
    assert _raise(as_user(other_seller), lead).status_code == 404  # a colleague's lead
    assert _raise(as_user(marketer), lead).status_code == 403  # other departments
    assert _raise(as_user(manager), lead).status_code == 403
    assert _raise(api, lead).status_code == 401
    assert _raise(as_user(seller), make_lead()).status_code == 404  # in the queue, not theirs
    assert not Dispute.objects.exists()


# --- Every transition, allowed and forbidden ------------------------------------------------

# (status the dispute is in, who acts, action, body) -> (HTTP status, status afterwards)
RESPOND_ACCEPT = ("respond", {"answer": "accept", "comment": "Agreed"})
RESPOND_CONTEST = ("respond", {"answer": "contest", "comment": "It met the definition"})
DECIDE_UPHELD = ("decide", {"decision": "upheld", "reason": "Criteria not met"})
DECIDE_REJECTED = ("decide", {"decision": "rejected", "reason": "It was a lead"})
TRANSITIONS = [
    ("open", "marketer", RESPOND_ACCEPT, 200, "accepted"),
    ("open", "marketer", RESPOND_CONTEST, 200, "contested"),
    ("open", "mhead", RESPOND_CONTEST, 200, "contested"),
    ("open", "manager", DECIDE_UPHELD, 400, "open"),
    ("open", "manager", DECIDE_REJECTED, 400, "open"),
    ("accepted", "manager", DECIDE_UPHELD, 200, "upheld"),
    ("accepted", "manager", DECIDE_REJECTED, 200, "rejected"),
    ("accepted", "marketer", RESPOND_CONTEST, 400, "accepted"),
    ("contested", "manager", DECIDE_UPHELD, 200, "upheld"),
    ("contested", "manager", DECIDE_REJECTED, 200, "rejected"),
    ("contested", "marketer", RESPOND_ACCEPT, 400, "contested"),
    ("upheld", "manager", DECIDE_REJECTED, 400, "upheld"),
    ("upheld", "marketer", RESPOND_CONTEST, 400, "upheld"),
    ("rejected", "manager", DECIDE_UPHELD, 400, "rejected"),
    ("rejected", "marketer", RESPOND_ACCEPT, 400, "rejected"),
]


@pytest.mark.parametrize(("start", "who", "step", "code", "after"), TRANSITIONS)
def test_transitions(as_user, seller, dispute_in, request, start, who, step, code, after):
    dispute = dispute_in(start, seller)
    actor = request.getfixturevalue(who)
    action, data = step
    response = _act(as_user(actor), dispute, action, data)
    assert response.status_code == code, response.json()
    dispute.refresh_from_db()
    assert dispute.status == after
    if code == 200:
        assert response.json()["status"] == after


# Who acts -> HTTP status, for each step taken from the state where it is allowed.
ACTORS = [
    ("open", RESPOND_ACCEPT, "marketer", 200),  # the campaign's marketer
    ("open", RESPOND_ACCEPT, "mhead", 200),  # a head of marketing
    ("open", RESPOND_ACCEPT, "other_marketer", 403),  # a marketing colleague
    ("open", RESPOND_ACCEPT, "seller", 403),  # the salesperson who raised it
    ("open", RESPOND_ACCEPT, "manager", 403),
    ("contested", DECIDE_UPHELD, "manager", 200),
    ("contested", DECIDE_UPHELD, "marketer", 403),
    ("contested", DECIDE_UPHELD, "mhead", 403),
    ("contested", DECIDE_UPHELD, "seller", 403),
    ("contested", DECIDE_UPHELD, "other_seller", 403),
]


@pytest.mark.parametrize(("start", "step", "who", "code"), ACTORS)
def test_who_may_answer_and_decide(as_user, seller, dispute_in, request, start, step, who, code):
    dispute = dispute_in(start, seller)
    action, data = step
    response = _act(as_user(request.getfixturevalue(who)), dispute, action, data)
    assert response.status_code == code
    dispute.refresh_from_db()
    assert (dispute.status != start) == (code == 200)


@pytest.mark.parametrize(
    ("start", "action", "data", "field"),
    [
        ("open", "respond", {"answer": "maybe", "comment": "x"}, "answer"),
        ("open", "respond", {"answer": "accept"}, "comment"),
        ("open", "respond", {"answer": "accept", "comment": "   "}, "comment"),
        ("contested", "decide", {"decision": "accepted", "reason": "x"}, "decision"),
        ("contested", "decide", {"decision": "upheld", "reason": ""}, "reason"),
        ("contested", "decide", {"decision": "upheld"}, "reason"),
    ],
)
def test_bad_answers_and_decisions_are_400(
    as_user, seller, marketer, manager, dispute_in, start, action, data, field
):
    dispute = dispute_in(start, seller)
    actor = marketer if action == "respond" else manager
    response = _act(as_user(actor), dispute, action, data)
    assert response.status_code == 400
    assert field in response.json()
    dispute.refresh_from_db()
    assert dispute.status == start


def test_an_unknown_dispute_is_404(as_user, manager):
    assert _act(as_user(manager), Dispute(pk=999999), "decide", DECIDE_UPHELD[1]).status_code == 404


# --- Notifications: each step tells the next actor ------------------------------------------


def test_each_step_notifies_the_next_actor(as_user, seller, marketer, manager, worked):
    other_manager = UserFactory(role="management")
    lead = worked(seller)
    dispute_id = _raise(as_user(seller), lead).json()["id"]
    dispute = Dispute.objects.get(pk=dispute_id)
    assert Notification.objects.filter(recipient=marketer).count() == 1

    _act(as_user(marketer), dispute, *RESPOND_CONTEST)
    for boss in (manager, other_manager):
        note = Notification.objects.get(recipient=boss)
        assert "Decide" in note.subject and note.link == f"/feedback/disputes/{dispute_id}/"

    _act(as_user(manager), dispute, *DECIDE_UPHELD)
    assert Notification.objects.filter(recipient=seller, subject__contains="upheld").count() == 1
    assert Notification.objects.filter(recipient=marketer, subject__contains="upheld").count() == 1


def test_e_mails_go_out_after_commit(
    as_user, seller, marketer, worked, mailoutbox, django_capture_on_commit_callbacks
):
    lead = worked(seller)
    with django_capture_on_commit_callbacks(execute=True):
        _raise(as_user(seller), lead)
    assert [m.to for m in mailoutbox] == [[marketer.email]]
    assert lead.name in mailoutbox[0].subject


# --- Reading: scope, filters, ages, the KPI selector -----------------------------------------


def test_list_scope_filters_and_ages(as_user, seller, other_seller, marketer, dispute_in):
    mine_open = dispute_in("open", seller)
    mine_upheld = dispute_in("upheld", seller)
    theirs = dispute_in("contested", other_seller)
    Dispute.objects.filter(pk=mine_open.pk).update(created_at=timezone.now() - timedelta(days=3))

    def rows(user, query: str = ""):  # type: ignore[no-untyped-def]
        response = as_user(user).get(f"/api/v1/disputes/{query}")
        assert response.status_code == 200
        return response.json()["results"]

    assert [r["id"] for r in rows(seller)] == [mine_open.pk, mine_upheld.pk]  # oldest first
    assert [r["id"] for r in rows(other_seller)] == [theirs.pk]
    assert {r["id"] for r in rows(marketer)} == {mine_open.pk, mine_upheld.pk, theirs.pk}
    assert {r["id"] for r in rows(marketer, "?undecided=true")} == {mine_open.pk, theirs.pk}
    assert [r["id"] for r in rows(marketer, "?status=upheld")] == [mine_upheld.pk]
    by_id = {r["id"]: r for r in rows(marketer)}
    assert 3 * 86400 <= by_id[mine_open.pk]["age_seconds"] < 3 * 86400 + 60
    assert by_id[mine_upheld.pk]["age_seconds"] is None
    assert as_user(other_seller).get(f"/api/v1/disputes/{mine_open.pk}/").status_code == 404
    assert as_user(marketer).get("/api/v1/disputes/?status=nope").status_code == 400


def test_upheld_dispute_lead_ids_lists_only_upheld_leads(seller, dispute_in):
    disputes = {s: dispute_in(s, seller) for s in Dispute.Status.values}
    assert list(upheld_dispute_lead_ids()) == [disputes["upheld"].lead_id]
    # Usable as a subquery by the kpi app.
    from leads.models import Lead

    counted = Lead.objects.exclude(pk__in=upheld_dispute_lead_ids())
    assert disputes["upheld"].lead_id not in set(counted.values_list("pk", flat=True))
    assert disputes["rejected"].lead_id in set(counted.values_list("pk", flat=True))


def test_the_service_refuses_someone_elses_lead(seller, other_seller, worked):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        dispute_raise(lead=worked(seller), by=other_seller, unmet_criteria=["real_need"])
    assert not Dispute.objects.exists()


def test_changes_are_audited(seller, dispute_in):
    dispute = dispute_in("upheld", seller)
    reasons = list(
        dispute.history.order_by("history_date").values_list("history_change_reason", flat=True)
    )
    assert reasons == ["raised", "accept", "upheld"]
