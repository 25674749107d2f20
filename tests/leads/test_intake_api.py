"""POST /api/v1/leads/ and the public web-to-lead endpoint, per the API contract."""

from unittest import mock

import pytest
from django.utils import timezone

from leads.models import Lead, LeadRequest
from tests.factories import CampaignFactory, ChannelFactory, WebFormFactory

pytestmark = pytest.mark.django_db

LEAD = {"name": "Ivan Petrov", "email": "Ivan@Example.RU", "channel": "website"}


@pytest.fixture
def client(as_user, marketer, channel):  # type: ignore[no-untyped-def]
    return as_user(marketer)


def test_new_contact_creates_a_lead_in_the_queue(client):
    response = client.post(
        "/api/v1/leads/",
        {**LEAD, "phone": "8 (916) 123-45-67", "utm_source": "google"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["duplicate"] is False
    assert body["status"] == "new"
    assert body["email"] == "ivan@example.ru"
    assert body["phone"] == "+79161234567"
    assert body["channel"] == "website"
    assert body["owner"] is None
    assert body["sla_deadline"] is not None
    assert body["sla_breached"] is False
    assert body["escalations"] == []
    assert body["deal"] is None
    assert body["duplicate_requests"] == 0
    lead = Lead.objects.get(pk=body["id"])
    assert lead.utm_source == "google"
    assert lead.requests.count() == 1


def test_same_email_in_other_case_is_a_duplicate(client):
    first = client.post("/api/v1/leads/", LEAD, format="json").json()

    response = client.post(
        "/api/v1/leads/", {**LEAD, "email": "IVAN@example.ru", "name": "Ivan P."}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["duplicate"] is True
    assert body["id"] == first["id"]
    assert body["duplicate_requests"] == 1
    assert Lead.objects.count() == 1
    repeat = LeadRequest.objects.get(lead_id=first["id"], duplicate=True)
    assert repeat.payload["name"] == "Ivan P."


def test_same_phone_written_differently_is_a_duplicate(client):
    first = client.post(
        "/api/v1/leads/",
        {"name": "A", "phone": "+7 916 123 45 67", "channel": "website"},
        format="json",
    ).json()
    response = client.post(
        "/api/v1/leads/",
        {"name": "B", "phone": "8-916-123-45-67", "channel": "website"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["id"] == first["id"]


@pytest.mark.parametrize("closed_status", ["converted", "disqualified"])
def test_a_closed_lead_does_not_block_a_new_one(client, closed_status):
    first = client.post("/api/v1/leads/", LEAD, format="json").json()
    Lead.objects.filter(pk=first["id"]).update(status=closed_status)

    response = client.post("/api/v1/leads/", LEAD, format="json")

    assert response.status_code == 201
    assert response.json()["id"] != first["id"]


def test_campaign_attribution(client, channel):
    CampaignFactory(slug="spring", channel=channel)
    response = client.post("/api/v1/leads/", {**LEAD, "campaign": "spring"}, format="json")
    assert response.status_code == 201
    assert response.json()["campaign"] == "spring"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "No contact", "channel": "website"}, "non_field_errors"),
        ({**LEAD, "email": "not-an-email"}, "email"),
        ({**LEAD, "phone": "12345"}, "phone"),
        ({**LEAD, "channel": "nowhere"}, "channel"),
        ({"name": "x", "email": "a@b.ru"}, "channel"),
        ({**LEAD, "campaign": "unknown"}, "campaign"),
        ({**LEAD, "name": ""}, "name"),
        ({**LEAD, "name": "x" * 201}, "name"),
        ({**LEAD, "need": "x" * 5001}, "need"),
        ({**LEAD, "name": ["a", "list"]}, "name"),
        ({**LEAD, "name": {"an": "object"}}, "name"),
        ({**LEAD, "email": 42}, "email"),
        ({**LEAD, "name": "Nul\x00byte"}, "name"),
        ({**LEAD, "company": "Nul\x00byte"}, "company"),
        ({**LEAD, "utm_source": "u" * 201}, "utm_source"),
    ],
)
def test_bad_input_is_400_with_field_errors_and_nothing_saved(client, body, field):
    response = client.post("/api/v1/leads/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Lead.objects.count() == 0


def test_campaign_of_another_channel_is_400(client):
    CampaignFactory(slug="expo", channel=ChannelFactory(slug="exhibitions"))
    response = client.post("/api/v1/leads/", {**LEAD, "campaign": "expo"}, format="json")
    assert response.status_code == 400
    assert "campaign" in response.json()


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", '"a string"', "null"])
def test_malformed_json_is_400(client, payload):
    response = client.post("/api/v1/leads/", payload, content_type="application/json")
    assert response.status_code == 400
    assert Lead.objects.count() == 0


def test_sales_may_not_create_leads(as_user, seller, channel):
    assert as_user(seller).post("/api/v1/leads/", LEAD, format="json").status_code == 403


def test_management_may_create_leads(as_user, manager, channel):
    assert as_user(manager).post("/api/v1/leads/", LEAD, format="json").status_code == 201


def test_anonymous_is_401(api, channel):
    assert api.post("/api/v1/leads/", LEAD, format="json").status_code == 401


# --- Public web-to-lead ---------------------------------------------------------------------


@pytest.fixture
def form(channel):  # type: ignore[no-untyped-def]
    campaign = CampaignFactory(slug="spring", channel=channel)
    # Consent has its own tests (tests/leads/test_privacy.py); these are about the intake.
    return WebFormFactory(
        slug="contact",
        channel=channel,
        campaign=campaign,
        require_phone=True,
        require_consent=False,
    )


def test_public_form_creates_a_lead_with_the_forms_attribution(api, form):
    response = api.post(
        "/api/v1/intake/contact/",
        {"name": "Anna", "phone": "+7 916 000 11 22", "channel": "ignored", "campaign": "x"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json() == {"received": True}
    lead = Lead.objects.select_related("channel", "campaign", "form").get()
    assert (lead.channel.slug, lead.campaign.slug, lead.form.slug) == (
        "website",
        "spring",
        "contact",
    )
    assert lead.source == "form"


def test_public_form_needs_no_csrf_token(form):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/intake/contact/",
        {"name": "Anna", "phone": "+79160001122"},
        content_type="application/json",
    )
    assert response.status_code == 201


def test_public_form_repeat_reveals_nothing_and_is_recorded_on_the_open_lead(api, form):
    api.post("/api/v1/intake/contact/", {"name": "A", "phone": "+79160001122"}, format="json")
    response = api.post(
        "/api/v1/intake/contact/", {"name": "Someone", "phone": "89160001122"}, format="json"
    )
    assert response.status_code == 201
    assert response.json() == {"received": True}
    lead = Lead.objects.get()
    assert (lead.name, lead.duplicate_requests) == ("A", 1)
    assert lead.requests.count() == 2


def test_the_public_reply_is_the_same_for_new_repeat_and_honeypot(api, form, seller, claimed):
    """Issue 14: a known e-mail or phone must not reveal the lead (name, owner, status)."""
    known = {"name": "Known", "phone": "+79160001122", "email": "known@example.com"}
    api.post("/api/v1/intake/contact/", known, format="json")
    claimed(seller)
    replies = [
        api.post("/api/v1/intake/contact/", body, format="json")
        for body in (
            {"name": "New", "phone": "+79160003344"},
            {"name": "Probe", "phone": "+7 916 000-11-22"},
            {"name": "Probe", "email": "KNOWN@example.com", "phone": "+79160009999"},
            {"name": "Bot", "phone": "+79160001122", "website": "http://spam.example"},
        )
    ]
    for reply in replies:
        assert (reply.status_code, reply.content) == (201, b'{"received":true}')
        assert "Location" not in reply


def test_public_form_enforces_its_required_fields(api, form):
    response = api.post(
        "/api/v1/intake/contact/", {"name": "A", "email": "a@example.com"}, format="json"
    )
    assert response.status_code == 400
    assert "phone" in response.json()
    assert Lead.objects.count() == 0


def test_unknown_or_inactive_form_is_404(api, form):
    assert api.post("/api/v1/intake/nope/", {"name": "A"}, format="json").status_code == 404
    form.is_active = False
    form.save()
    response = api.post(
        "/api/v1/intake/contact/", {"name": "A", "phone": "+79160001122"}, format="json"
    )
    assert response.status_code == 404


def test_honeypot_gets_a_201_and_stores_nothing(api, form):
    response = api.post(
        "/api/v1/intake/contact/",
        {"name": "Bot", "phone": "+79160001122", "website": "http://spam.example"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json() == {"received": True}
    assert Lead.objects.count() == 0


def test_public_form_is_throttled_per_address_with_retry_after(api, form):
    from rest_framework.settings import api_settings

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "intake": "2/min"}
    with mock.patch("config.rest.IntakeThrottle.THROTTLE_RATES", rates):
        codes = [
            api.post(
                "/api/v1/intake/contact/",
                {"name": "A", "phone": f"+7916000112{i}"},
                format="json",
                REMOTE_ADDR="10.1.1.1",
            ).status_code
            for i in range(3)
        ]
        other = api.post(
            "/api/v1/intake/contact/",
            {"name": "B", "phone": "+79160001199"},
            format="json",
            REMOTE_ADDR="10.1.1.2",
        )
        blocked = api.post(
            "/api/v1/intake/contact/", {"name": "A"}, format="json", REMOTE_ADDR="10.1.1.1"
        )
    assert codes == [201, 201, 429]
    assert other.status_code == 201
    assert int(blocked["Retry-After"]) > 0


def test_throttle_fails_open_when_the_cache_is_down(api, form):
    with mock.patch("django.core.cache.cache.get", side_effect=ConnectionError("redis down")):
        response = api.post(
            "/api/v1/intake/contact/", {"name": "A", "phone": "+79160001122"}, format="json"
        )
    assert response.status_code == 201


def test_intake_survives_a_dead_broker(
    as_user, marketer, channel, django_capture_on_commit_callbacks
):
    """Redis down must not lose a lead: the after-commit enqueue fails quietly."""
    from leads.services import sla_sweep
    from org.models import Notification
    from tests.factories import UserFactory

    head = UserFactory(role="sales", is_head=True)
    lead_id = as_user(marketer).post("/api/v1/leads/", LEAD, format="json").json()["id"]
    Lead.objects.filter(pk=lead_id).update(sla_deadline=timezone.now())
    with (
        mock.patch("celery.app.task.Task.apply_async", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        Lead.objects.filter(pk=lead_id).update(sla_next_check_at=timezone.now())
        result = sla_sweep()
    assert result.level1 == 1
    assert Lead.objects.get(pk=lead_id).sla_breached is True
    # The notification is kept for the flush sweeper to e-mail once the broker is back.
    note = Notification.objects.get(recipient=head)
    assert note.emailed_at is None and note.send_email


def test_public_form_accepts_a_plain_html_form_post(api, form):
    response = api.post(
        "/api/v1/intake/contact/",
        {"name": "Anna", "phone": "+7 916 000 11 22", "website": ""},
        format="multipart",
    )
    assert response.status_code == 201
    from django.test import Client

    response = Client().post(
        "/api/v1/intake/contact/",
        "name=Oleg&phone=%2B79160001133",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201
    assert Lead.objects.count() == 2
