"""Briefs: every move between any two statuses (table-driven), who may make each allowed move
(requester / colleague / other department), warnings and risks, response time, notifications."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import Brief, BriefEvent
from feedback.services import brief_transition, brief_warn
from org.models import Notification

pytestmark = pytest.mark.django_db

STATUSES = ["draft", "approved", "in_progress", "delivered", "accepted", "returned"]
# The workflow, written out independently of the code: (from, to) -> who makes the move.
ALLOWED = {
    ("draft", "approved"): "manager",
    ("approved", "in_progress"): "marketer",
    ("in_progress", "delivered"): "marketer",
    ("delivered", "accepted"): "seller",
    ("delivered", "returned"): "seller",
    ("returned", "in_progress"): "marketer",
}


def _move(client, brief, to: str, **extra: str):  # type: ignore[no-untyped-def]
    data = {"status": to, "comment": "Add the numbers", **extra}
    return client.post(f"/api/v1/briefs/{brief.pk}/transition/", data, format="json")


@pytest.mark.parametrize(("source", "to"), [(s, t) for s in STATUSES for t in STATUSES])
def test_every_move_between_two_statuses(as_user, brief_in, request, source, to):
    brief = brief_in(source)
    who = ALLOWED.get((source, to), "manager")
    response = _move(as_user(request.getfixturevalue(who)), brief, to)
    brief.refresh_from_db()
    if (source, to) in ALLOWED:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == to
        assert brief.status == to
    else:
        assert response.status_code == 400, (source, to)
        assert "status" in response.json()
        assert brief.status == source


# For each allowed move: who tries it -> HTTP status. The requester is ``seller``; the
# brief's marketer (once it started) is ``marketer``.
WHO = {
    "seller": "the requester",
    "other_seller": "a sales colleague",
    "marketer": "the brief's marketer",
    "other_marketer": "a marketing colleague",
    "mhead": "a head of marketing",
    "manager": "a manager",
}
EXPECTED = {
    ("draft", "approved"): {
        "manager": 200,
        "mhead": 403,
        "marketer": 403,
        "seller": 403,
        "other_seller": 404,
    },
    ("approved", "in_progress"): {
        "marketer": 200,
        "other_marketer": 200,
        "mhead": 200,
        "seller": 403,
        "manager": 403,
        "other_seller": 404,
    },
    ("in_progress", "delivered"): {
        "marketer": 200,
        "mhead": 200,
        "other_marketer": 403,
        "seller": 403,
        "manager": 403,
    },
    ("delivered", "accepted"): {
        "seller": 200,
        "manager": 200,
        "marketer": 403,
        "mhead": 403,
        "other_seller": 404,
    },
    ("delivered", "returned"): {
        "seller": 200,
        "manager": 200,
        "marketer": 403,
        "other_seller": 404,
    },
    ("returned", "in_progress"): {
        "marketer": 200,
        "mhead": 200,
        "other_marketer": 403,
        "seller": 403,
        "manager": 403,
    },
}


@pytest.mark.parametrize(
    ("move", "who", "code"),
    [(move, who, code) for move, codes in EXPECTED.items() for who, code in codes.items()],
    ids=lambda v: "-".join(v) if isinstance(v, tuple) else str(v),
)
def test_who_may_make_each_move(as_user, brief_in, request, move, who, code):
    source, to = move
    brief = brief_in(source)
    response = _move(as_user(request.getfixturevalue(who)), brief, to)
    assert response.status_code == code, WHO[who]
    brief.refresh_from_db()
    assert brief.status == (to if code == 200 else source)


def test_the_table_covers_the_workflow():
    from feedback.services import BRIEF_TRANSITIONS

    assert set(BRIEF_TRANSITIONS) == set(ALLOWED) == set(EXPECTED)


# --- Rules of particular moves ----------------------------------------------------------------


def test_returning_a_delivery_needs_comments(as_user, seller, brief_in):
    brief = brief_in("delivered")
    response = _move(as_user(seller), brief, "returned", comment="  ")
    assert response.status_code == 400 and "comment" in response.json()
    brief.refresh_from_db()
    assert brief.status == "delivered"
    assert _move(as_user(seller), brief, "returned", comment="Add 50 seats").status_code == 200
    assert brief.events.last().comment == "Add 50 seats"  # type: ignore[union-attr]


def test_a_warning_must_be_answered_with_risks_on_approval(as_user, manager, mhead, brief_in):
    brief = brief_in("draft")
    warned = as_user(mhead).post(
        f"/api/v1/briefs/{brief.pk}/warn/", {"warning": "Too short for legal"}, format="json"
    )
    assert warned.status_code == 200
    assert warned.json()["marketing_warning"] == "Too short for legal"
    assert warned.json()["warned_by"] == mhead.pk
    refused = _move(as_user(manager), brief, "approved")
    assert refused.status_code == 400 and "risks" in refused.json()
    approved = _move(as_user(manager), brief, "approved", risks="Legal review may slip")
    assert approved.status_code == 200
    assert approved.json()["risks"] == "Legal review may slip"
    assert approved.json()["approved_by"] == manager.pk


@pytest.mark.parametrize("who", ["seller", "manager"])
def test_only_marketing_warns(as_user, brief_in, request, who):
    brief = brief_in("draft")
    response = as_user(request.getfixturevalue(who)).post(
        f"/api/v1/briefs/{brief.pk}/warn/", {"warning": "x"}, format="json"
    )
    assert response.status_code == 403


def test_warnings_are_for_drafts_and_need_text(as_user, marketer, brief_in):
    approved = brief_in("approved")
    response = as_user(marketer).post(
        f"/api/v1/briefs/{approved.pk}/warn/", {"warning": "Late"}, format="json"
    )
    assert response.status_code == 400
    draft = brief_in("draft")
    response = as_user(marketer).post(
        f"/api/v1/briefs/{draft.pk}/warn/", {"warning": ""}, format="json"
    )
    assert response.status_code == 400 and "warning" in response.json()


def test_an_unknown_status_is_a_400(as_user, manager, brief_in):
    brief = brief_in("draft")
    for bad in ("done", "", "APPROVED"):
        response = _move(as_user(manager), brief, bad)
        assert response.status_code == 400, bad
        assert "status" in response.json()


def test_response_time_runs_from_approval_to_the_first_start(manager, marketer, seller, brief_in):
    brief = brief_in("draft")
    t0 = timezone.now() - timedelta(days=5)
    brief = brief_transition(brief=brief, to="approved", by=manager, now=t0)
    brief = brief_transition(
        brief=brief, to="in_progress", by=marketer, now=t0 + timedelta(hours=3)
    )
    assert brief.response_seconds == 3 * 3600
    brief = brief_transition(brief=brief, to="delivered", by=marketer, now=t0 + timedelta(days=1))
    brief = brief_transition(
        brief=brief, to="returned", by=seller, comment="More", now=t0 + timedelta(days=2)
    )
    brief = brief_transition(brief=brief, to="in_progress", by=marketer, now=t0 + timedelta(days=3))
    assert brief.response_seconds == 3 * 3600  # a restart after a return does not count
    assert brief.assignee_id == marketer.pk


def test_the_list_reports_the_average_response_time(as_user, client, manager, marketer, brief_in):
    t0 = timezone.now() - timedelta(days=2)
    for hours in (2, 4):
        brief = brief_transition(brief=brief_in("draft"), to="approved", by=manager, now=t0)
        brief_transition(
            brief=brief, to="in_progress", by=marketer, now=t0 + timedelta(hours=hours)
        )
    client.force_login(manager)
    page = client.get("/feedback/briefs/")
    assert page.status_code == 200
    assert page.context["stats"].average_response_seconds == 3 * 3600
    assert page.context["stats"].started == 2


# --- Creating and reading -----------------------------------------------------------------------


def _create(client, **data):  # type: ignore[no-untyped-def]
    body = {
        "title": "Webinar",
        "goal": "Warm up enterprise leads",
        "requirements": "45 minutes",
        "due_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
        **data,
    }
    return client.post("/api/v1/briefs/", body, format="json")


def test_sales_and_management_create_briefs(api, as_user, seller, manager, marketer, mhead):
    created = _create(as_user(seller))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["requester"], body["allowed_moves"]) == ("draft", seller.pk, [])
    assert body["events"][0]["to_status"] == "draft"
    assert _create(as_user(manager)).status_code == 201
    assert _create(as_user(marketer)).status_code == 403
    assert _create(api).status_code == 401
    assert Brief.objects.count() == 2
    # Managers are asked to approve; marketing heads may warn.
    assert Notification.objects.filter(recipient=manager, subject__contains="Approve").exists()
    assert Notification.objects.filter(recipient=mhead, subject__contains="New brief").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"goal": "   "}, "goal"),
        ({"due_on": "2020-01-01"}, "due_on"),
        ({"due_on": "soon"}, "due_on"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_bad_briefs_are_a_400(as_user, seller, data, field):
    response = _create(as_user(seller), **data)
    assert response.status_code == 400
    assert field in response.json()
    assert not Brief.objects.exists()


def test_scope_and_filters(as_user, seller, other_seller, marketer, manager, brief_in):
    mine = brief_in("draft")
    theirs = brief_in("delivered", requester=other_seller)
    Brief.objects.filter(pk=mine.pk).update(due_on=timezone.localdate() - timedelta(days=1))

    def ids(user, query: str = "") -> list[int]:  # type: ignore[no-untyped-def]
        response = as_user(user).get(f"/api/v1/briefs/{query}")
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids(seller) == [mine.pk]
    assert ids(other_seller) == [theirs.pk]
    assert set(ids(marketer)) == set(ids(manager)) == {mine.pk, theirs.pk}
    assert ids(manager, "?overdue=true") == [mine.pk]
    assert ids(manager, "?status=delivered") == [theirs.pk]
    assert ids(seller, "?requester=me") == [mine.pk]
    assert as_user(seller).get(f"/api/v1/briefs/{theirs.pk}/").status_code == 404
    detail = as_user(other_seller).get(f"/api/v1/briefs/{theirs.pk}/").json()
    assert detail["allowed_moves"] == ["accepted", "returned"]
    assert detail["overdue"] is False


def test_each_move_tells_the_next_person(seller, marketer, manager, mhead, brief_in):
    brief = brief_in("draft")
    brief = brief_transition(brief=brief, to="approved", by=manager)
    assert Notification.objects.filter(recipient=mhead, subject__contains="approved").exists()
    assert Notification.objects.filter(recipient=seller, subject__contains="approved").exists()
    brief = brief_transition(brief=brief, to="in_progress", by=marketer)
    assert Notification.objects.filter(recipient=seller, subject__contains="started").exists()
    brief = brief_transition(brief=brief, to="delivered", by=marketer, comment="Link")
    assert Notification.objects.filter(recipient=seller, subject__contains="Delivered").exists()
    brief_transition(brief=brief, to="returned", by=seller, comment="More")
    assert Notification.objects.filter(recipient=marketer, subject__contains="returned").exists()


def test_the_trail_records_every_step(seller, marketer, manager, mhead, brief_in):
    brief = brief_in("draft")
    brief_warn(brief=brief, by=mhead, warning="Tight")
    brief = brief_transition(brief=brief, to="approved", by=manager, risks="Accepted")
    brief_transition(brief=brief, to="in_progress", by=marketer)
    steps = list(BriefEvent.objects.filter(brief=brief).values_list("from_status", "to_status"))
    assert steps == [("", "draft"), ("draft", "approved"), ("approved", "in_progress")]
    reasons = list(
        brief.history.order_by("history_date").values_list("history_change_reason", flat=True)
    )
    assert reasons == ["drafted", "warned", "draft -> approved", "approved -> in_progress"]
