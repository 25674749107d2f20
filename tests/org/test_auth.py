"""Login tokens (knox), integration API keys and the lockout on every way in
(docs/api.md, General)."""

from datetime import timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework.test import APIClient

from org.models import ApiKey
from org.services import api_key_create, api_key_revoke
from tests.factories import ChannelFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-w0rd-123"


def _token(api, username: str, password: str = PASSWORD, **extra):  # type: ignore[no-untyped-def]
    return api.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json", **extra
    )


# --- Tokens ---------------------------------------------------------------------------------


def test_each_login_gets_a_new_token_stored_only_as_a_digest(api):
    user = UserFactory(username="tok")
    first, second = _token(api, "tok").json()["token"], _token(api, "tok").json()["token"]
    assert first != second
    stored = AuthToken.objects.filter(user=user)
    assert stored.count() == 2
    for row in stored:
        assert row.digest not in (first, second) and first not in row.digest
    for token in (first, second):
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get("/api/v1/users/me/").status_code == 200


def test_a_token_expires_after_token_ttl_hours(api, settings):
    assert settings.TOKEN_TTL_HOURS == 10
    UserFactory(username="tok")
    token = _token(api, "tok").json()["token"]
    row = AuthToken.objects.get()
    assert abs(row.expiry - (row.created + timedelta(hours=10))) < timedelta(seconds=5)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/users/me/").status_code == 200
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert api.get("/api/v1/users/me/").status_code == 401


def test_a_request_reads_only_its_own_token_and_the_sweep_deletes_expired_ones(
    api, django_assert_num_queries
):
    """One query authenticates a token, however many tokens its user holds (knox read them
    all on every request to delete the expired ones); the hourly sweep deletes those."""
    from org.authentication import TokenAuthentication
    from org.tasks import expired_tokens_sweep

    user = UserFactory(username="tok")
    tokens = [_token(api, "tok").json()["token"] for _ in range(4)]
    expired = AuthToken.objects.order_by("created", "digest").values_list("digest", flat=True)[:2]
    AuthToken.objects.filter(digest__in=list(expired)).update(
        expiry=timezone.now() - timedelta(seconds=1)
    )
    live = next(
        t
        for t in tokens
        if AuthToken.objects.get(token_key=t[: CONSTANTS.TOKEN_KEY_LENGTH]).expiry > timezone.now()
    )
    with django_assert_num_queries(1):
        assert TokenAuthentication().authenticate_credentials(live.encode())[0] == user
    assert AuthToken.objects.filter(user=user).count() == 4  # the expired ones wait
    api.credentials(HTTP_AUTHORIZATION=f"Token {live}")
    assert api.get("/api/v1/users/me/").status_code == 200
    assert expired_tokens_sweep() == 2
    assert AuthToken.objects.filter(user=user).count() == 2
    assert expired_tokens_sweep() == 0


def test_logout_revokes_only_the_callers_token(api):
    UserFactory(username="tok")
    kept, dropped = _token(api, "tok").json()["token"], _token(api, "tok").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {dropped}")
    assert api.post("/api/v1/auth/logout/").status_code == 204
    assert api.get("/api/v1/users/me/").status_code == 401
    assert api.post("/api/v1/auth/logout/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {kept}")
    assert api.get("/api/v1/users/me/").status_code == 200


def test_the_browser_session_still_works(client):
    UserFactory(username="anna")
    response = client.post("/accounts/login/", {"username": "anna", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/api/v1/users/me/").json()["username"] == "anna"


# --- API keys --------------------------------------------------------------------------------


@pytest.fixture
def intake_key(manager):  # type: ignore[no-untyped-def]
    ChannelFactory(slug="website")
    api_key, key = api_key_create(by=manager, name="Website form", purpose="intake")
    return api_key, key


def test_an_intake_key_posts_leads_and_nothing_else(api, intake_key):
    api_key, key = intake_key
    assert key.startswith("tdk_") and api_key.digest != key and key not in api_key.digest
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    created = api.post(
        "/api/v1/leads/",
        {"name": "Ivan", "email": "ivan@example.com", "channel": "website"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    batch = api.post(
        "/api/v1/leads/batch/",
        {"leads": [{"name": "Olga", "email": "olga@example.com", "channel": "website"}]},
        format="json",
    )
    assert batch.status_code == 200, batch.json()
    for method, url in [
        ("get", "/api/v1/leads/"),
        ("get", f"/api/v1/leads/{created.json()['id']}/"),
        ("get", "/api/v1/users/me/"),
        ("post", "/api/v1/auth/logout/"),
        ("get", "/api/v1/deals/"),
    ]:
        response = getattr(api, method)(url)
        assert response.status_code == 403, (url, response.status_code)


def test_a_revoked_key_stops_at_once_and_keys_never_expire(api, intake_key, manager):
    api_key, key = intake_key
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    body = {"name": "Ivan", "email": "ivan@example.com", "channel": "website"}
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(days=900)):
        assert api.post("/api/v1/leads/", body, format="json").status_code == 201
    api_key_revoke(api_key=api_key, by=manager)
    assert api.post("/api/v1/leads/", body, format="json").status_code == 401


def test_only_management_creates_keys(seller, marketer):
    from django.core.exceptions import PermissionDenied

    for user in (seller, marketer):
        with pytest.raises(PermissionDenied):
            api_key_create(by=user, name="x", purpose="intake")


def test_management_creates_and_revokes_keys_on_the_page(client, manager, seller):
    client.force_login(seller)
    assert client.get("/settings/api-keys/").status_code == 403
    client.force_login(manager)
    page = client.post("/settings/api-keys/", {"name": "Landing page", "purpose": "intake"})
    assert page.status_code == 200
    api_key = ApiKey.objects.get()
    shown = page.context["new_key"]
    assert shown.startswith("tdk_") and shown.encode() in page.content
    assert shown.encode() not in client.get("/settings/api-keys/").content  # shown once
    client.post(f"/settings/api-keys/{api_key.pk}/revoke/")
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


def test_management_creates_a_key_in_the_admin_and_sees_it_once(client, manager):
    client.force_login(manager)
    response = client.post(
        "/admin/org/apikey/add/", {"name": "Landing", "purpose": "intake"}, follow=True
    )
    assert response.status_code == 200
    api_key = ApiKey.objects.get()
    assert api_key.created_by == manager
    assert b"tdk_" in response.content


# --- Lockout on every way in -----------------------------------------------------------------


def _fail(client: Client, path: str, username: str, times: int, **extra: str) -> list[int]:
    return [
        client.post(path, {"username": username, "password": "wrong"}, **extra).status_code
        for _ in range(times)
    ]


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_browser_logins_lock_out_after_the_failure_limit(settings, path):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="anna")
    client = Client()
    assert _fail(client, path, "anna", 2) == [200, 200]
    assert _fail(client, path, "anna", 1) == [429]
    right = client.post(path, {"username": "anna", "password": PASSWORD})
    assert right.status_code == 429  # even the right password, during the cool-off
    assert "Try again in 15 minutes" in right.content.decode()
    assert right["Retry-After"] == str(15 * 60)
    # The token endpoint refuses the same username from the same address.
    assert _token(APIClient(), "anna").status_code == 429


def test_the_token_endpoint_locks_out_with_a_json_message(api, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="anna")
    codes = [_token(api, "anna", "wrong").status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    refused = _token(api, "anna")
    assert refused.status_code == 429
    assert "Too many failed logins" in refused.json()["detail"]
    assert "token" not in refused.json()


def test_lockout_is_per_username_and_address_and_ends_after_the_cool_off(api, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="anna")
    UserFactory(username="boris")
    [_token(api, "anna", "wrong") for _ in range(3)]
    assert _token(api, "anna").status_code == 429
    assert _token(api, "boris").status_code == 200  # another username
    assert _token(api, "anna", REMOTE_ADDR="10.1.1.1").status_code == 200  # another address
    # The cool-off (LOGIN_COOLOFF_MINUTES, 15) passes.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert _token(api, "anna").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _token(api, "anna").status_code == 200


def test_lockout_reads_the_address_behind_the_proxies_like_the_throttles(api, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    UserFactory(username="anna")
    via = {"REMOTE_ADDR": "10.0.0.1"}
    [_token(api, "anna", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7", **via) for _ in range(2)]
    assert _token(api, "anna", HTTP_X_FORWARDED_FOR="203.0.113.7", **via).status_code == 429
    # The same proxy, another client behind it: not locked.
    assert _token(api, "anna", HTTP_X_FORWARDED_FOR="203.0.113.8", **via).status_code == 200


def test_password_reset_is_refused_for_a_locked_out_account(settings, mailoutbox):
    settings.AXES_FAILURE_LIMIT = 2
    UserFactory(username="anna", email="anna@example.com")
    client = Client()
    _fail(client, "/accounts/login/", "anna", 2)
    response = client.post("/accounts/password_reset/", {"email": "anna@example.com"})
    assert response.status_code == 429
    assert not mailoutbox
    other = Client(REMOTE_ADDR="10.2.2.2")
    assert other.post("/accounts/password_reset/", {"email": "anna@example.com"}).status_code == 302
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("path", ["/accounts/password_reset/", "/admin/login/", "/accounts/login/"])
def test_every_login_page_is_throttled_per_address(path):
    from rest_framework.settings import api_settings

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "auth": "2/min"}
    client = Client()
    with mock.patch("config.rest.AuthThrottle.THROTTLE_RATES", rates):
        codes = [
            client.post(path, {"username": f"u{i}", "password": "x", "email": "a@b.c"})
            for i in range(3)
        ]
    assert [c.status_code for c in codes][2] == 429
    assert codes[2]["Retry-After"]


def test_the_lockout_page_is_in_russian_for_russian_readers(settings):
    settings.AXES_FAILURE_LIMIT = 1
    UserFactory(username="anna")
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    refused = client.post("/accounts/login/", {"username": "anna", "password": "wrong"})
    assert refused.status_code == 429
    assert "Слишком много" in refused.content.decode()
