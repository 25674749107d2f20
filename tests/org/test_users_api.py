import pytest
from django.contrib.auth.models import Group

from org.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_USER = {"username": "newbie", "password": "long-enough-pass-42", "role": "sales"}


def test_management_creates_a_user_in_the_role_group(as_user, manager):
    response = as_user(manager).post(
        "/api/v1/users/", {**NEW_USER, "head": True, "email": "n@example.com"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "username": "newbie", "role": "sales", "head": True}
    user = User.objects.get(pk=body["id"])
    assert user.check_password(NEW_USER["password"])
    assert list(user.groups.values_list("name", flat=True)) == ["sales"]


@pytest.mark.parametrize("role", ["marketing", "sales"])
def test_other_roles_may_not_create_users(as_user, role):
    response = as_user(UserFactory(role=role, is_head=True)).post(
        "/api/v1/users/", NEW_USER, format="json"
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="newbie").exists()


def test_anonymous_gets_401(api):
    assert api.post("/api/v1/users/", NEW_USER, format="json").status_code == 401
    assert api.get("/api/v1/users/me/").status_code == 401


def test_unknown_role_is_400_with_field_error(as_user, manager):
    response = as_user(manager).post("/api/v1/users/", {**NEW_USER, "role": "boss"}, format="json")
    assert response.status_code == 400
    assert "role" in response.json()
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"password": "123"}, "password"),
        ({"username": ""}, "username"),
        ({"username": "has space"}, "username"),
        ({"email": "not-an-email"}, "email"),
        ({"head": "maybe"}, "head"),
        ({"username": "x\x00y"}, "username"),
    ],
)
def test_bad_user_input_is_400(as_user, manager, patch, field):
    response = as_user(manager).post("/api/v1/users/", {**NEW_USER, **patch}, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_duplicate_username_is_400(as_user, manager):
    UserFactory(username="newbie")
    response = as_user(manager).post("/api/v1/users/", NEW_USER, format="json")
    assert response.status_code == 400
    assert "username" in response.json()


def test_me_describes_the_caller(as_user):
    head = UserFactory(role="marketing", is_head=True)
    assert as_user(head).get("/api/v1/users/me/").json() == {
        "id": head.pk,
        "username": head.username,
        "role": "marketing",
        "head": True,
    }


def test_superuser_acts_as_management(as_user):
    root = User.objects.create_superuser("root", "r@example.com", "pw-root-123456")
    assert as_user(root).get("/api/v1/users/me/").json()["role"] == "management"
    assert as_user(root).post("/api/v1/users/", NEW_USER, format="json").status_code == 201


def test_user_list_is_paginated_and_needs_login(as_user, api, seller):
    UserFactory.create_batch(3)
    assert api.get("/api/v1/users/").status_code == 401
    body = as_user(seller).get("/api/v1/users/?page_size=2").json()
    assert set(body) >= {"next", "previous", "results"}
    assert len(body["results"]) == 2
    assert body["next"] is not None


def test_page_size_is_clamped_to_200(as_user, seller):
    response = as_user(seller).get("/api/v1/users/?page_size=5000")
    assert response.status_code == 200
    assert "page_size=5000" not in (response.json()["next"] or "")


def test_token_for_right_credentials(api):
    user = UserFactory(username="tok")
    response = api.post(
        "/api/v1/auth/token/", {"username": "tok", "password": "pass-w0rd-123"}, format="json"
    )
    assert response.status_code == 200
    assert list(response.json()) == ["token"]
    assert user.auth_token_set.count() == 1
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get("/api/v1/users/me/").json()["username"] == "tok"


def test_wrong_credentials_are_400(api):
    UserFactory(username="tok")
    response = api.post(
        "/api/v1/auth/token/", {"username": "tok", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_invalid_token_is_401(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get("/api/v1/users/me/").status_code == 401


def test_token_endpoint_is_throttled_per_address(api, settings):
    from rest_framework.settings import api_settings

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "auth": "3/min"}
    from unittest import mock

    with mock.patch("config.rest.AuthThrottle.THROTTLE_RATES", rates):
        codes = [
            api.post("/api/v1/auth/token/", {"username": "a", "password": "b"}).status_code
            for _ in range(4)
        ]
    assert codes == [400, 400, 400, 429]


def test_role_groups_exist_with_permissions():
    groups = {g.name: g for g in Group.objects.prefetch_related("permissions")}
    assert {"marketing", "sales", "management"} <= set(groups)
    codenames = {p.codename for p in groups["sales"].permissions.all()}
    assert "change_lead" in codenames
    assert "delete_lead" not in codenames
    assert "add_lead" in {p.codename for p in groups["marketing"].permissions.all()}


def test_unknown_api_url_is_json_404(as_user, seller):
    response = as_user(seller).get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
