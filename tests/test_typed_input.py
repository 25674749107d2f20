"""JSON bodies are typed (org.inputs.TypedSerializer): a value of another JSON type than the
schema gives is a 400 keyed by the field, never coerced; form-encoded bodies keep DRF's
reading. Query flags are true or false (org.inputs.TrueFalseFilter)."""

import importlib

import pytest
from django.urls import get_resolver
from rest_framework import serializers

from feedback.models import FeedbackTag, LeadFeedback, Objection
from kpi.models import Period
from leads.models import Channel, WebForm
from org.inputs import TypedInputMixin

pytestmark = pytest.mark.django_db


def _project_serializers() -> list[type]:
    get_resolver().url_patterns  # noqa: B018 (imports every API module)
    for module in ("leads.inputs", "org.api", "deals.api", "kpi.api.bonus", "ops.api"):
        importlib.import_module(module)
    found, todo = [], [serializers.Serializer]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in {"org", "leads", "deals", "feedback", "kpi", "ops"}:
            found.append(cls)
    return found


def test_every_serializer_of_the_project_is_typed():
    found = _project_serializers()
    assert len(found) > 50
    untyped = [
        f"{c.__module__}.{c.__qualname__}" for c in found if not issubclass(c, TypedInputMixin)
    ]
    assert untyped == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/channels/", {"name": "Expo", "slug": "expo", "is_active": 0}, "is_active"),
        ("/api/v1/channels/", {"name": 5, "slug": "expo"}, "name"),
        (
            "/api/v1/feedback-tags/",
            {"code": "x", "label": "X", "is_positive": "true"},
            "is_positive",
        ),
    ],
)
def test_a_value_of_the_wrong_json_type_is_a_400(as_user, manager, path, body, field):
    before = Channel.objects.count(), FeedbackTag.objects.count()
    response = as_user(manager).post(path, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert (Channel.objects.count(), FeedbackTag.objects.count()) == before


def test_a_nested_decimal_sent_as_a_number_is_a_400(as_user, manager):
    body = {
        "starts_on": "2026-01-01",
        "ends_on": "2026-03-31",
        "revenue_goal": "1000",
        "pool_percent": "5",
        "marketing_share": "40",
        "steps": [{"attainment": "0", "multiplier": 1}],
    }
    response = as_user(manager).post("/api/v1/kpi/periods/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "steps": {"0": {"multiplier": ['Send the number as a string, e.g. "1.5" or "1500.00".']}}
    }
    assert not Period.objects.exists()
    body["steps"][0]["multiplier"] = "1"
    assert as_user(manager).post("/api/v1/kpi/periods/", body, format="json").status_code == 201


def test_a_number_for_text_and_a_string_for_an_id(as_user, manager, make_lead):
    lead = make_lead()
    response = as_user(manager).post(
        f"/api/v1/leads/{lead.pk}/erase/", {"reason": 0}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    lead.refresh_from_db()
    assert lead.name != "—"
    response = as_user(manager).post(
        f"/api/v1/leads/{lead.pk}/assign/", {"owner": "7"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["owner"]


def test_an_item_of_a_list_of_the_wrong_json_type_is_a_400(as_user, seller, touched):
    # given a lead its owner has worked
    lead = touched(seller)
    url = f"/api/v1/leads/{lead.pk}/feedback/"
    # when a number stands among the tag codes (DRF's ListField would read it as "5")
    body = {"rating": 2, "tags": ["no_budget", 5]}
    response = as_user(seller).post(url, body, format="json")
    # then the list's field names the item, and nothing is saved
    assert response.status_code == 400
    assert response.json() == {"tags": {"1": ["Send text (a JSON string)."]}}
    assert not LeadFeedback.objects.exists()
    body["tags"] = ["no_budget"]
    assert as_user(seller).post(url, body, format="json").status_code == 201


def test_a_value_of_a_dict_of_the_wrong_json_type_is_a_400(as_user, seller, touched):
    lead = touched(seller)
    criteria = {"target_segment": True, "real_need": 1, "valid_contacts": True}
    response = as_user(seller).post(
        f"/api/v1/leads/{lead.pk}/qualify/", {"criteria": criteria}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"criteria": {"real_need": ["Send true or false."]}}
    lead.refresh_from_db()
    assert (lead.status, lead.qualification) == ("contacted", {})


def test_a_string_id_in_a_list_of_ids_is_a_400(as_user, manager):
    body = {"held_on": "2026-03-02", "participants": [manager.pk, str(manager.pk)]}
    response = as_user(manager).post("/api/v1/review-meetings/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"participants": {"1": ["Send a whole number."]}}


def test_an_empty_string_is_not_a_reference(as_user, marketer, channel):
    body = {"name": "Contact", "slug": "contact", "channel": channel.slug, "campaign": ""}
    response = as_user(marketer).post("/api/v1/web-forms/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["campaign"]
    body["campaign"] = None
    assert as_user(marketer).post("/api/v1/web-forms/", body, format="json").status_code == 201
    assert WebForm.objects.get(slug="contact").campaign is None


def test_form_encoded_bodies_keep_reading_text(client, channel):
    WebForm.objects.create(name="Site", slug="site", channel=channel, require_consent=False)
    response = client.post(
        "/api/v1/intake/site/", {"name": "Anna", "email": "anna@example.com", "consent": "true"}
    )
    assert response.status_code == 201


def test_objections_are_heard_in_json_only(as_user, seller, claimed):
    lead = claimed(seller)
    objection = Objection.objects.create(text="Too expensive", category="price")
    url = f"/api/v1/objections/{objection.pk}/heard/"
    assert as_user(seller).post(url, {"lead": lead.pk, "heard_at": ""}).status_code == 415


@pytest.mark.parametrize("value", ["null", "1", "yes", "True"])
def test_a_query_flag_is_true_or_false(as_user, manager, value):
    response = as_user(manager).get(f"/api/v1/users/?is_head={value}")
    assert response.status_code == 400
    assert list(response.json()) == ["is_head"]
    heads = as_user(manager).get("/api/v1/users/?is_head=true").json()["results"]
    assert [u["id"] for u in heads] == [manager.pk]


def test_the_message_is_in_the_readers_language(as_user, manager):
    response = as_user(manager).post(
        "/api/v1/channels/",
        {"name": "Expo", "slug": "expo", "is_active": 0},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.json() == {"is_active": ["Отправьте true или false."]}
