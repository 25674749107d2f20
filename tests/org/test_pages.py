import pytest

from org.models import Notification
from org.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_and_role_home(client):
    assert client.get("/accounts/login/").status_code == 200
    UserFactory(username="anna", role="sales")
    response = client.post("/accounts/login/", {"username": "anna", "password": "pass-w0rd-123"})
    assert response.status_code == 302
    assert client.get("/").url == "/leads/queue/"


def test_wrong_password_shows_a_clear_message(client):
    UserFactory(username="anna")
    response = client.post("/accounts/login/", {"username": "anna", "password": "nope"})
    assert response.status_code == 200
    assert b"Wrong username or password" in response.content


def test_login_is_throttled(client, settings):
    from unittest import mock

    from rest_framework.settings import api_settings

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "auth": "2/min"}
    with mock.patch("config.rest.AuthThrottle.THROTTLE_RATES", rates):
        codes = [
            client.post("/accounts/login/", {"username": "x", "password": "y"}).status_code
            for _ in range(3)
        ]
    assert codes == [200, 200, 429]


def test_marketing_home_is_the_lead_list(client, marketer):
    client.force_login(marketer)
    assert client.get("/").url == "/leads/"


def test_navigation_depends_on_the_role(client, seller, marketer):
    client.force_login(seller)
    page = client.get("/leads/").content.decode()
    assert 'href="/leads/queue/"' in page
    assert 'href="/leads/import/"' not in page
    client.force_login(marketer)
    page = client.get("/leads/").content.decode()
    assert 'href="/leads/import/"' in page
    assert 'href="/leads/queue/"' not in page


def test_language_switch_to_russian(client, seller):
    client.force_login(seller)
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/leads/"})
    assert response.status_code == 302
    page = client.get("/leads/").content.decode()
    assert '<html lang="ru">' in page


def test_notifications_page_and_mark_read(client, seller):
    notify(recipients=[seller], subject="Lead waiting", link="/leads/")
    client.force_login(seller)
    page = client.get("/notifications/").content.decode()
    assert "Lead waiting" in page
    client.post("/notifications/read/")
    assert Notification.objects.get().read_at is not None


def test_api_docs_and_schema_need_no_login(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    body = schema.content.decode()
    for path in [
        "/api/v1/leads/",
        "/api/v1/leads/claim/",
        "/api/v1/intake/{form_slug}/",
        "/api/v1/lead-definition/",
        "/api/v1/users/me/",
        "/api/v1/auth/token/",
        "/api/v1/sla-policies/",
        "/api/v1/leads/{id}/convert/",
        "/api/v1/deals/",
    ]:
        assert path in body, path
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
    assert b"/static/drf_spectacular_sidecar/" in docs.content


def test_only_the_most_specific_nav_item_is_active(client, seller):
    client.force_login(seller)
    items = client.get("/leads/queue/").context["nav_items"]
    assert [i["url"] for i in items if i["active"]] == ["/leads/queue/"]
