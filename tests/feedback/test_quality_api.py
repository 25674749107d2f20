"""POST /api/v1/leads/<id>/feedback/ per the contract, the feedback list and the tag list:
status codes for the owner, a colleague and other departments; bad input saves nothing."""

import pytest

from feedback.models import FeedbackTag, LeadFeedback
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _give(client, lead, data):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/leads/{lead.pk}/feedback/", data, format="json")


def test_owner_gives_feedback_and_gets_201(as_user, seller, worked):
    lead = worked(seller)
    response = _give(
        as_user(seller),
        lead,
        {"rating": 2, "tags": ["no_budget", "just_browsing"], "comment": "Free version only"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["lead"] == lead.pk
    assert body["author"] == seller.pk
    assert body["rating"] == 2
    assert body["tags"] == ["no_budget", "just_browsing"]  # in the tags' own order
    assert body["comment"] == "Free version only"
    assert (body["campaign"], body["channel"], body["form"]) == ("spring", "website", None)
    feedback = LeadFeedback.objects.get()
    assert sorted(feedback.tags.values_list("code", flat=True)) == ["just_browsing", "no_budget"]


def test_only_rating_is_required(as_user, seller, worked):
    response = _give(as_user(seller), worked(seller), {"rating": 5})
    assert response.status_code == 201
    assert response.json()["tags"] == [] and response.json()["comment"] == ""


def test_a_second_opinion_replaces_the_first(as_user, seller, worked):
    lead = worked(seller)
    client = as_user(seller)
    first = _give(client, lead, {"rating": 1, "tags": ["wrong_contacts"]})
    assert first.status_code == 201
    again = _give(client, lead, {"rating": 4, "tags": ["good_fit"], "comment": "Got through"})
    assert again.status_code == 201  # the contract's answer, with the feedback as it now is
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["rating"] == 4 and again.json()["tags"] == ["good_fit"]
    assert LeadFeedback.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": -1}, "rating"),
        ({"rating": 3.5}, "rating"),
        ({"rating": "five"}, "rating"),
        ({"rating": True}, "rating"),
        ({"rating": None}, "rating"),
        ({}, "rating"),
        ({"rating": 3, "tags": ["no_such_tag"]}, "tags"),
        ({"rating": 3, "tags": ["good_fit", "nope"]}, "tags"),
        ({"rating": 3, "tags": "good_fit"}, "tags"),
        ({"rating": 3, "tags": [{"code": "good_fit"}]}, "tags"),
        ({"rating": 3, "comment": "x" * 5001}, "comment"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(
    as_user, seller, worked, data, field
):
    response = _give(as_user(seller), worked(seller), data)
    assert response.status_code == 400
    assert field in response.json()
    assert not LeadFeedback.objects.exists()


def test_an_inactive_tag_is_unknown(as_user, seller, worked):
    FeedbackTag.objects.filter(code="good_fit").update(is_active=False)
    response = _give(as_user(seller), worked(seller), {"rating": 5, "tags": ["good_fit"]})
    assert response.status_code == 400
    assert "good_fit" in response.json()["tags"][0]


def test_a_non_json_body_is_a_400(as_user, seller, worked):
    lead = worked(seller)
    response = as_user(seller).post(
        f"/api/v1/leads/{lead.pk}/feedback/", "rating=5", content_type="text/plain"
    )
    assert response.status_code in (400, 415)


def test_who_may_give_feedback(api, as_user, seller, other_seller, marketer, manager, worked):
    lead = worked(seller)
    data = {"rating": 3}
    assert _give(as_user(other_seller), lead, data).status_code == 404  # a colleague's lead
    assert _give(as_user(marketer), lead, data).status_code == 403  # another department
    assert _give(as_user(manager), lead, data).status_code == 403
    assert _give(api, lead, data).status_code == 401
    assert not LeadFeedback.objects.exists()
    assert _give(as_user(seller), lead, data).status_code == 201  # the owner


def test_an_unknown_lead_and_a_queue_lead_are_404(as_user, seller, make_lead):
    queued = make_lead()
    client = as_user(seller)
    assert client.post("/api/v1/leads/999999/feedback/", {"rating": 3}).status_code == 404
    assert _give(client, queued, {"rating": 3}).status_code == 404


# --- Reading -----------------------------------------------------------------------------


def test_feedback_list_scope_and_filters(as_user, seller, other_seller, marketer, worked):
    mine = worked(seller)
    theirs = worked(other_seller)
    _give(as_user(seller), mine, {"rating": 2, "tags": ["no_budget"]})
    _give(as_user(other_seller), theirs, {"rating": 5})

    def ids(user, query: str = "") -> set[int]:  # type: ignore[no-untyped-def]
        response = as_user(user).get(f"/api/v1/lead-feedback/{query}")
        assert response.status_code == 200
        return {row["lead"] for row in response.json()["results"]}

    assert ids(seller) == {mine.pk}
    assert ids(other_seller) == {theirs.pk}
    assert ids(marketer) == {mine.pk, theirs.pk}
    assert ids(marketer, "?rating=5") == {theirs.pk}
    assert ids(marketer, "?tag=no_budget") == {mine.pk}
    assert ids(marketer, f"?author={seller.pk}") == {mine.pk}
    assert ids(seller, "?author=me") == {mine.pk}
    assert ids(marketer, "?campaign=spring") == {mine.pk, theirs.pk}
    assert as_user(marketer).get("/api/v1/lead-feedback/?author=x").status_code == 400
    assert as_user(marketer).get("/api/v1/lead-feedback/?campaign=nope").status_code == 400
    other = LeadFeedback.objects.get(lead=theirs)
    assert as_user(seller).get(f"/api/v1/lead-feedback/{other.pk}/").status_code == 404


def test_tags_are_a_controlled_list_managers_extend(as_user, seller, marketer, manager):
    listed = as_user(seller).get("/api/v1/feedback-tags/")
    assert listed.status_code == 200
    codes = [row["code"] for row in listed.json()["results"]]
    assert {"wrong_contacts", "no_budget", "ready_to_buy"} <= set(codes)

    new = {"code": "fake_company", "label": "Fake company", "is_positive": False}
    assert as_user(seller).post("/api/v1/feedback-tags/", new).status_code == 403
    assert as_user(marketer).post("/api/v1/feedback-tags/", new).status_code == 403
    created = as_user(manager).post("/api/v1/feedback-tags/", new, format="json")
    assert created.status_code == 201
    assert created.json() == new
    again = as_user(manager).post("/api/v1/feedback-tags/", new, format="json")
    assert again.status_code == 400 and "code" in again.json()
    bad = as_user(manager).post(
        "/api/v1/feedback-tags/", {"code": "no spaces", "label": "x"}, format="json"
    )
    assert bad.status_code == 400 and "code" in bad.json()
    assert FeedbackTag.objects.filter(code="fake_company").count() == 1


def test_a_superuser_acts_as_management(as_user, seller, worked):
    root = UserFactory(role="", is_superuser=True)
    lead = worked(seller)
    assert _give(as_user(root), lead, {"rating": 3}).status_code == 403
    assert as_user(root).get("/api/v1/lead-feedback/").status_code == 200
