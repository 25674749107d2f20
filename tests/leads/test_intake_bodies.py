"""``POST /leads/`` answers a body it cannot take with the same 400 whichever way it is
validated: a JSON object by the one serializer a process shares, anything else by DRF's
full path (``leads.inputs.lead_input``)."""

import pytest

from leads.models import Lead


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ("null", {"non_field_errors": ["No data provided"]}),
        ("[]", {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
        ('"x"', {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}),
        ("1", {"non_field_errors": ["Invalid data. Expected a dictionary, but got int."]}),
        ("{}", {"name": ["This field is required."]}),
        ('{"name": 5}', {"name": ["Send text (a JSON string)."]}),
        (
            '{"name": "Ivan", "channel": "website"}',
            {"non_field_errors": ["Give at least an e-mail or a phone."]},
        ),
        (
            '{"name": "Ivan", "email": "ivan@example.ru", "channel": "nowhere"}',
            {"channel": ["Unknown channel “nowhere”; use one of: Website (website)."]},
        ),
    ],
)
def test_a_body_it_cannot_take_is_the_same_400(as_user, marketer, channel, body, errors):
    response = as_user(marketer).post("/api/v1/leads/", body, content_type="application/json")
    assert (response.status_code, response.json()) == (400, errors)
    assert not Lead.objects.exists()


@pytest.mark.django_db
def test_the_shared_serializer_keeps_nothing_between_bodies(as_user, marketer, channel):
    client = as_user(marketer)
    bad = client.post("/api/v1/leads/", {"name": "", "channel": "website"}, format="json")
    assert bad.status_code == 400
    good = {"name": "Anna", "phone": "+79161234567", "channel": "website"}
    assert client.post("/api/v1/leads/", good, format="json").status_code == 201
    again = client.post("/api/v1/leads/", {**good, "phone": "+79161234568"}, format="json")
    assert again.status_code == 201
    assert client.post("/api/v1/leads/", "[]", content_type="application/json").status_code == 400
    assert sorted(Lead.objects.values_list("phone", flat=True)) == ["+79161234567", "+79161234568"]
