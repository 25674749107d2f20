"""Look-alike and invisible input: usernames are NFKC-normalised and single-script; names made
only of invisible or direction characters are refused on every way in (org/inputs.py)."""

import pytest
from django.core.exceptions import ValidationError

from leads.models import Lead
from org.inputs import clean_username, has_visible_text, validate_visible_text
from org.models import User
from tests.factories import UserFactory, WebFormFactory

pytestmark = pytest.mark.django_db

INVISIBLE = [
    "\u200b\u200b",  # zero-width spaces
    "\u202e\u202d",  # direction overrides
    "\u2066\u2069\u200f",  # isolates and a right-to-left mark
    "\u3164",  # Hangul filler (a "letter" that shows nothing)
    "\u2800\u00a0 ",  # braille blank, no-break space
    "\ufeff\u200d",
]


@pytest.mark.parametrize("text", INVISIBLE)
def test_invisible_only_text_is_refused(text):
    assert not has_visible_text(text)
    with pytest.raises(ValidationError):
        validate_visible_text(text)


@pytest.mark.parametrize(
    "text", ["\u0410\u043d\u043d\u0430", "O'Brien", "田中", "Anna\u200b", "\u202eAnna", "", "X"]
)
def test_text_with_something_visible_passes(text):
    validate_visible_text(text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\uff53\uff41\uff4c\uff45\uff53A", "salesA"),
        (" anna ", "anna"),
        ("иван.петров", "иван.петров"),
        ("田中たなか", "田中たなか"),
    ],
)
def test_usernames_are_nfkc_normalised(raw, expected):
    assert clean_username(raw) == expected


@pytest.mark.parametrize(
    "raw", ["s\u0430lesA", "admin\u0456", "Ivan\u0418", "sales\u200bA", "\u3164"]
)
def test_mixed_script_and_invisible_usernames_are_refused(raw):
    with pytest.raises(ValidationError):
        clean_username(raw)


def _user_body(username: str, **extra: str) -> dict[str, str]:
    return {"username": username, "password": "Long-pass-phrase-42", "role": "sales", **extra}


def test_api_refuses_a_look_alike_username(as_user, manager):
    UserFactory(username="salesA", role="sales")
    response = as_user(manager).post("/api/v1/users/", _user_body("s\u0430lesA"), format="json")
    assert response.status_code == 400
    assert "username" in response.json()
    assert not User.objects.filter(username="s\u0430lesA").exists()


def test_api_stores_the_normalised_username_and_sees_its_twin(as_user, manager):
    client = as_user(manager)
    created = client.post(
        "/api/v1/users/", _user_body("\uff4e\uff45\uff57\uff42\uff49\uff45"), format="json"
    )
    assert created.status_code == 201
    assert created.json()["username"] == "newbie"
    twin = client.post("/api/v1/users/", _user_body("NEWBIE"), format="json")
    assert twin.status_code == 400


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_api_refuses_invisible_user_names(as_user, manager, field):
    response = as_user(manager).post(
        "/api/v1/users/", _user_body("visible", **{field: "\u200b\u202e"}), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_admin_refuses_look_alike_username_and_invisible_names(client):
    root = User.objects.create_superuser("root", "r@example.com", "x-pass-12345")
    client.force_login(root)
    added = client.post(
        "/admin/org/user/add/",
        {"username": "s\u0430lesA", "password1": "Long-pass-42x", "password2": "Long-pass-42x"},
    )
    assert added.status_code == 200  # the form again, with the error
    assert "username" in added.context["adminform"].form.errors
    assert not User.objects.filter(username="s\u0430lesA").exists()
    user = UserFactory(username="plain", role="sales")
    changed = client.post(
        f"/admin/org/user/{user.pk}/change/",
        {
            "username": "plain",
            "first_name": "\u200b",
            "last_name": "",
            "email": "",
            "role": "sales",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert changed.status_code == 200
    assert "first_name" in changed.context["adminform"].form.errors


@pytest.mark.parametrize("field", ["name", "company"])
def test_lead_api_refuses_invisible_name_and_company(as_user, marketer, channel, field):
    body = {"name": "Anna", "phone": "+79160001122", "channel": "website", field: "\u200b\u202e"}
    response = as_user(marketer).post("/api/v1/leads/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Lead.objects.exists()


def test_public_intake_and_batch_refuse_an_invisible_name(api, as_user, marketer, channel):
    WebFormFactory(slug="contact", channel=channel, require_consent=False)
    public = api.post(
        "/api/v1/intake/contact/", {"name": "\u3164", "phone": "+79160001122"}, format="json"
    )
    assert public.status_code == 400
    assert "name" in public.json()
    batch = as_user(marketer).post(
        "/api/v1/leads/batch/",
        {"leads": [{"name": "\u2066\u2069", "phone": "+79160001123", "channel": "website"}]},
        format="json",
    )
    assert batch.status_code == 200
    assert batch.json()["results"][0]["status"] == "invalid"
    assert not Lead.objects.exists()


def test_admin_lead_form_refuses_an_invisible_name(make_lead):
    from django.forms import modelform_factory

    lead = make_lead()
    form = modelform_factory(Lead, fields=["name", "company"])(
        {"name": "\u200b", "company": "\u202e"}, instance=lead
    )
    assert not form.is_valid()
    assert set(form.errors) == {"name", "company"}
