"""Weekly review meetings: who records them, what a meeting needs (both departments, decisions
with owners and due dates), marking decisions done, and the agenda that proposes itself."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deals.models import Deal
from deals.services import deal_close
from feedback.models import ActionItem, Brief, ReviewMeeting
from feedback.selectors import agenda
from feedback.services import action_item_add, objection_create, review_meeting_create
from org.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shead(db):  # type: ignore[no-untyped-def]
    return UserFactory(role="sales", is_head=True)


def _body(participants, **extra):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    return {
        "held_on": today.isoformat(),
        "title": "Weekly review",
        "participants": [u.pk for u in participants],
        **extra,
    }


def _create(client, body):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/review-meetings/", body, format="json")


def test_a_manager_records_a_meeting_with_deals_objections_and_decisions(
    as_user, manager, marketer, seller, deal_of
):
    deal = deal_of(seller)
    objection = objection_create(by=seller, text="Too expensive", category="price")
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    response = _create(
        as_user(manager),
        _body(
            [manager, marketer, seller],
            deals=[deal.pk],
            objections=[objection.pk],
            notes="Went through the lost deals",
            action_items=[
                {"text": "Payback one-pager", "owner": marketer.pk, "due_on": due},
                {"text": "Call back within 5 minutes", "owner": seller.pk, "due_on": due},
            ],
        ),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert sorted(body["participants"]) == sorted([manager.pk, marketer.pk, seller.pk])
    assert body["deals"] == [deal.pk] and body["objections"] == [objection.pk]
    assert [(i["text"], i["owner"], i["done"]) for i in body["action_items"]] == [
        ("Payback one-pager", marketer.pk, False),
        ("Call back within 5 minutes", seller.pk, False),
    ]
    # Each owner is told about their decision.
    assert Notification.objects.filter(recipient=marketer, body="Payback one-pager").exists()
    assert Notification.objects.filter(recipient=seller, body="Call back within 5 minutes").exists()


@pytest.mark.parametrize(
    ("who", "code"),
    [("manager", 201), ("mhead", 201), ("shead", 201), ("marketer", 403), ("seller", 403)],
)
def test_managers_and_department_heads_record_meetings(
    as_user, request, marketer, seller, who, code
):
    response = _create(as_user(request.getfixturevalue(who)), _body([marketer, seller]))
    assert response.status_code == code
    assert ReviewMeeting.objects.count() == (1 if code == 201 else 0)


def test_anonymous_is_401(api):
    assert api.get("/api/v1/review-meetings/").status_code == 401


def _day(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


# Each case changes a valid meeting (marketer + seller) into a bad one; ``u`` holds the users.
BAD_MEETINGS = [
    (lambda u: {"participants": [u["marketer"].pk, u["other_marketer"].pk]}, "participants"),
    (lambda u: {"participants": [u["seller"].pk, u["other_seller"].pk]}, "participants"),
    (lambda u: {"participants": [999999]}, "participants"),
    (lambda u: {"participants": []}, "participants"),
    (lambda u: {"held_on": "tomorrow"}, "held_on"),
    (lambda u: {"held_on": _day(1)}, "held_on"),
    (lambda u: {"deals": [999999]}, "deals"),
    (lambda u: {"objections": [999999]}, "objections"),
    (
        lambda u: {"action_items": [{"text": "x", "owner": 999999, "due_on": _day(3)}]},
        "action_items",
    ),
    (
        lambda u: {"action_items": [{"text": "", "owner": u["seller"].pk, "due_on": _day(3)}]},
        "action_items",
    ),
    (
        lambda u: {"action_items": [{"text": "Late", "owner": u["seller"].pk, "due_on": _day(-1)}]},
        "action_items",
    ),
]


@pytest.mark.parametrize(("change", "field"), BAD_MEETINGS)
def test_bad_meetings_are_400_and_save_nothing(
    as_user, manager, marketer, other_marketer, seller, other_seller, change, field
):
    users = {
        "marketer": marketer,
        "other_marketer": other_marketer,
        "seller": seller,
        "other_seller": other_seller,
    }
    body = {**_body([marketer, seller]), **change(users)}
    response = _create(as_user(manager), body)
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert not ReviewMeeting.objects.exists() and not ActionItem.objects.exists()


# --- Decisions -----------------------------------------------------------------------------------


@pytest.fixture
def item(manager, marketer, seller):  # type: ignore[no-untyped-def]
    meeting = review_meeting_create(
        by=manager, held_on=timezone.localdate(), participants=[marketer, seller]
    )
    return action_item_add(
        meeting=meeting,
        by=manager,
        text="Segment field on the form",
        owner=marketer,
        due_on=timezone.localdate() + timedelta(days=3),
    )


@pytest.mark.parametrize(
    ("who", "code"),
    [("marketer", 200), ("manager", 200), ("other_marketer", 403), ("seller", 403)],
)
def test_the_owner_or_a_manager_marks_a_decision_done(as_user, request, item, who, code):
    response = as_user(request.getfixturevalue(who)).post(
        f"/api/v1/action-items/{item.pk}/done/", {"done": True}, format="json"
    )
    assert response.status_code == code
    item.refresh_from_db()
    assert item.is_done == (code == 200)


def test_done_twice_changes_nothing_and_it_can_be_reopened(as_user, marketer, item):
    client = as_user(marketer)
    first = client.post(f"/api/v1/action-items/{item.pk}/done/", {}, format="json").json()
    second = client.post(f"/api/v1/action-items/{item.pk}/done/", {}, format="json").json()
    assert first["done"] and second["done_at"] == first["done_at"]
    reopened = client.post(f"/api/v1/action-items/{item.pk}/done/", {"done": False}, format="json")
    assert reopened.json()["done"] is False


def test_decisions_are_added_later_by_managers_and_heads(as_user, item, manager, mhead, seller):
    url = f"/api/v1/review-meetings/{item.meeting_id}/action-items/"
    data = {"text": "Webinar", "owner": seller.pk, "due_on": timezone.localdate().isoformat()}
    assert as_user(seller).post(url, data, format="json").status_code == 403
    assert as_user(mhead).post(url, data, format="json").status_code == 201
    early = {**data, "due_on": (item.meeting.held_on - timedelta(days=1)).isoformat()}
    bad = as_user(manager).post(url, early, format="json")
    assert bad.status_code == 400 and "due_on" in bad.json()


def test_action_item_filters(as_user, marketer, seller, item):
    ActionItem.objects.filter(pk=item.pk).update(due_on=timezone.localdate() - timedelta(days=1))

    def ids(query: str) -> list[int]:
        response = as_user(seller).get(f"/api/v1/action-items/{query}")
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids(f"?owner={marketer.pk}") == [item.pk]
    assert ids("?owner=me") == []
    assert ids("?overdue=true") == [item.pk]
    assert ids("?done=true") == []
    assert as_user(seller).get("/api/v1/action-items/?owner=bob").status_code == 400


# --- The agenda ----------------------------------------------------------------------------------


def test_the_agenda_proposes_itself(as_user, seller, deal_of, dispute_in, brief_in, item):
    now = timezone.now()
    old, older, fresh = deal_of(seller), deal_of(seller), deal_of(seller)
    Deal.objects.filter(pk=old.pk).update(stage_changed_at=now - timedelta(days=20))
    Deal.objects.filter(pk=older.pk).update(stage_changed_at=now - timedelta(days=30))
    lost = deal_close(deal=deal_of(seller), outcome="lost", reason="price", by=seller)
    lost_long_ago = deal_close(
        deal=deal_of(seller), outcome="lost", reason="price", by=seller, now=now - timedelta(days=9)
    )
    open_dispute = dispute_in("open", seller)
    contested = dispute_in("contested", seller)
    dispute_in("upheld", seller)
    overdue = brief_in("in_progress")
    Brief.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    late_but_delivered = brief_in("delivered")
    Brief.objects.filter(pk=late_but_delivered.pk).update(
        due_on=timezone.localdate() - timedelta(days=2)
    )
    brief_in("approved")  # not due yet
    ActionItem.objects.filter(pk=item.pk).update(due_on=timezone.localdate())

    proposed = agenda()
    assert [d.pk for d in proposed.stuck_deals][:3] == [older.pk, old.pk, fresh.pk]
    assert lost.pk not in {d.pk for d in proposed.stuck_deals}
    assert [d.pk for d in proposed.lost_deals] == [lost.pk]
    assert lost_long_ago.pk not in {d.pk for d in proposed.lost_deals}
    assert [d.pk for d in proposed.open_disputes] == [open_dispute.pk, contested.pk]
    assert [b.pk for b in proposed.overdue_briefs] == [overdue.pk]
    assert [i.pk for i in proposed.open_items] == [item.pk]

    body = as_user(seller).get("/api/v1/review-meetings/agenda/").json()
    assert [d["id"] for d in body["stuck_deals"]][:2] == [older.pk, old.pk]
    assert [d["id"] for d in body["lost_deals"]] == [lost.pk]
    assert body["lost_deals"][0]["lost_reason"] == "price"
    assert [d["id"] for d in body["open_disputes"]] == [open_dispute.pk, contested.pk]
    assert [b["id"] for b in body["overdue_briefs"]] == [overdue.pk]
    assert [i["id"] for i in body["open_items"]] == [item.pk]


def test_everyone_reads_meetings(as_user, seller, other_marketer, item):
    for user in (seller, other_marketer):
        response = as_user(user).get("/api/v1/review-meetings/")
        assert response.status_code == 200
        assert [m["id"] for m in response.json()["results"]] == [item.meeting_id]
