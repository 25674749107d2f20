"""Personal data as the law asks (API.md, Leads: web-forms consent, erase, personal-data;
PII_RETENTION_DAYS): consent recorded, subject access, erasure for good, retention."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import Deal
from deals.services import deal_create_from_lead
from feedback.models import LeadFeedback
from leads.models import Lead, LeadRequest, Touch
from leads.services import erase_expired, lead_disqualify, lead_erase, lead_qualify, lead_touch
from org.models import Notification
from org.services import notify
from tests.deals.factories import ALL_MET
from tests.factories import WebFormFactory

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Ivan Petrov", "email": "ivan@example.ru", "phone": "+79161234567"}


@pytest.fixture
def form(channel):  # type: ignore[no-untyped-def]
    return WebFormFactory(slug="contact", channel=channel)  # consent required by default


# --- Consent -------------------------------------------------------------------------------


def test_a_new_form_requires_consent_and_without_it_nothing_is_stored(api, form):
    response = api.post("/api/v1/intake/contact/", CONTACT, format="json")

    assert response.status_code == 400
    assert "consent" in response.json()
    assert not Lead.objects.exists()


def test_the_lead_keeps_when_consent_was_given_and_to_which_text(api, form):
    form.consent_text = "I agree to be called about the offer."
    form.save()
    before = timezone.now()

    response = api.post("/api/v1/intake/contact/", {**CONTACT, "consent": True}, format="json")

    assert response.status_code == 201  # the public endpoint answers 201 whatever it did
    lead = Lead.objects.get()
    assert lead.consent_text == "I agree to be called about the offer."
    assert lead.consent_at is not None and lead.consent_at >= before
    assert LeadRequest.objects.get().payload["consent"] is True


def test_a_plain_html_form_ticks_consent_with_on_and_gets_the_standard_text(api, form):
    response = api.post("/api/v1/intake/contact/", {**CONTACT, "consent": "on"})

    assert response.status_code == 201  # the public endpoint answers 201 whatever it did
    assert "personal data" in Lead.objects.get().consent_text


def test_a_form_without_the_requirement_takes_leads_without_consent(api, channel):
    WebFormFactory(slug="legacy", channel=channel, require_consent=False)

    response = api.post("/api/v1/intake/legacy/", CONTACT, format="json")

    assert response.status_code == 201  # the public endpoint answers 201 whatever it did
    lead = Lead.objects.get()
    assert (lead.consent_at, lead.consent_text) == (None, "")


def test_web_forms_api_takes_and_shows_the_consent_settings(as_user, marketer, channel):
    client = as_user(marketer)
    response = client.post(
        "/api/v1/web-forms/",
        {"name": "Demo", "slug": "demo", "channel": "website", "consent_text": "I agree."},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["require_consent"] is True
    assert response.json()["consent_text"] == "I agree."


# --- Subject access and erasure ------------------------------------------------------------


@pytest.fixture
def person(make_lead, seller):  # type: ignore[no-untyped-def]
    """A lead of ``seller`` with a touch note, a rating comment, a deal and a notification."""
    lead = make_lead(**CONTACT, company="Petrov LLC", need="Call me on Monday")
    lead.owner = seller
    lead.status = Lead.Status.ASSIGNED
    lead.save()
    lead_touch(lead=lead, by=seller, kind="call", note="Ivan asked for a discount")
    LeadFeedback.objects.create(lead=lead, author=seller, rating=4, comment="Ivan is a good fit")
    lead_qualify(lead=lead, by=seller, criteria=ALL_MET)
    deal_create_from_lead(lead=lead, by=seller, title="Licences", amount=Decimal("1000.00"))
    notify(recipients=[seller], subject="SLA breached: Ivan Petrov has had no first touch")
    lead.refresh_from_db()
    return lead


def test_personal_data_is_everything_held_about_the_person(as_user, manager, person):
    response = as_user(manager).get(f"/api/v1/leads/{person.pk}/personal-data/")

    assert response.status_code == 200
    body = response.json()
    assert body["lead"]["email"] == "ivan@example.ru"
    assert body["lead"]["company"] == "Petrov LLC"
    assert [t["note"] for t in body["touches"]] == ["Ivan asked for a discount"]
    assert body["requests"][0]["payload"]["name"] == "Ivan Petrov"
    assert {h["name"] for h in body["history"]} == {"Ivan Petrov"}
    assert body["feedback"]["ratings"][0]["comment"] == "Ivan is a good fit"
    assert body["deals"][0]["customer"] == "Petrov LLC"


def test_erase_removes_the_person_everywhere_and_keeps_what_reports_count(as_user, manager, person):
    deal = Deal.objects.get(lead=person)
    response = as_user(manager).post(
        f"/api/v1/leads/{person.pk}/erase/", {"reason": "Request of 4 Dec"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["email"] == "" and response.json()["phone"] == ""
    lead = Lead.objects.get(pk=person.pk)
    assert (lead.name, lead.email, lead.phone, lead.company, lead.need) == ("—", "", "", "", "")
    # What the reports count stays.
    assert lead.status == Lead.Status.CONVERTED
    assert (lead.channel_id, lead.created_at) == (person.channel_id, person.created_at)
    deal.refresh_from_db()
    assert deal.amount == Decimal("1000.00") and deal.customer == ""
    # Nothing of the person is left anywhere.
    history = list(Lead.history.filter(id=lead.pk))
    assert {(h.name, h.email, h.phone, h.company, h.need) for h in history} == {
        ("—", "", "", "", "")
    }
    assert not {h.customer for h in Deal.history.filter(id=deal.pk)} - {""}
    assert Touch.objects.get(lead=lead).note == ""
    assert LeadFeedback.objects.get(lead=lead).comment == ""
    assert LeadFeedback.objects.get(lead=lead).rating == 4
    payload = LeadRequest.objects.get(lead=lead).payload
    assert not {"name", "email", "phone", "company", "need"} & set(payload)
    assert payload["channel"] == "website"
    assert "Ivan" not in Notification.objects.get().subject
    # The erasure is audited: who, when, why — without the data.
    last = Lead.history.filter(id=lead.pk).latest("history_date")
    assert last.history_user_id == manager.pk
    assert last.history_change_reason == "personal data erased"
    assert last.erasure_reason == "Request of 4 Dec" and last.erased_at is not None
    # The export now shows nothing of the person either.
    export = as_user(manager).get(f"/api/v1/leads/{person.pk}/personal-data/").json()
    assert "Ivan" not in str(export) and "ivan@" not in str(export)


def test_an_erased_contact_matches_no_later_intake(make_lead, manager):
    first = make_lead(**CONTACT)
    lead_erase(lead=first, by=manager, reason="asked")

    again = make_lead(**CONTACT)

    assert again.pk != first.pk
    assert Lead.objects.get(pk=again.pk).duplicate_requests == 0


def test_erasing_twice_changes_nothing(make_lead, manager):
    lead = make_lead(**CONTACT)
    lead_erase(lead=lead, by=manager, reason="asked")
    rows = Lead.history.filter(id=lead.pk).count()

    lead_erase(lead=lead, by=manager, reason="again")

    assert Lead.history.filter(id=lead.pk).count() == rows
    assert Lead.objects.get(pk=lead.pk).erasure_reason == "asked"


@pytest.mark.parametrize("role", ["seller", "marketer"])
def test_only_management_erases_or_exports(request, as_user, make_lead, role):
    lead = make_lead(**CONTACT)
    client = as_user(request.getfixturevalue(role))

    assert client.post(f"/api/v1/leads/{lead.pk}/erase/", {"reason": "x"}).status_code == 403
    assert client.get(f"/api/v1/leads/{lead.pk}/personal-data/").status_code == 403
    assert Lead.objects.get(pk=lead.pk).email == CONTACT["email"]


def test_erase_needs_a_reason_and_an_existing_lead(as_user, manager, make_lead):
    lead = make_lead(**CONTACT)
    client = as_user(manager)

    assert client.post(f"/api/v1/leads/{lead.pk}/erase/", {}, format="json").status_code == 400
    assert client.post("/api/v1/leads/999999/erase/", {"reason": "x"}).status_code == 404
    assert Lead.objects.get(pk=lead.pk).erased_at is None


# --- Retention -----------------------------------------------------------------------------


def _disqualified(make_lead, seller, closed_days_ago: int, **contact: str) -> Lead:
    lead = make_lead(**contact)
    lead.owner, lead.status = seller, Lead.Status.ASSIGNED
    lead.save()
    lead_touch(lead=lead, by=seller, kind="call")
    lead = lead_disqualify(lead=Lead.objects.get(pk=lead.pk), by=seller, reason="not_target")
    Lead.objects.filter(pk=lead.pk).update(
        closed_at=timezone.now() - timedelta(days=closed_days_ago)
    )
    return lead


def test_retention_erases_only_disqualified_leads_past_the_setting(make_lead, seller, settings):
    settings.PII_RETENTION_DAYS = 30
    old = _disqualified(make_lead, seller, 31, email="old@example.com")
    recent = _disqualified(make_lead, seller, 29, email="recent@example.com")
    open_lead = make_lead(email="open@example.com")

    assert erase_expired() == 1
    assert erase_expired() == 0  # idempotent

    assert Lead.objects.get(pk=old.pk).email == ""
    assert Lead.objects.get(pk=old.pk).erased_by is None
    assert Lead.objects.get(pk=recent.pk).email == "recent@example.com"
    assert Lead.objects.get(pk=open_lead.pk).email == "open@example.com"


def test_retention_is_off_by_default(make_lead, seller):
    old = _disqualified(make_lead, seller, 3000, email="old@example.com")

    assert erase_expired() == 0
    assert Lead.objects.get(pk=old.pk).email == "old@example.com"


# --- Pages ---------------------------------------------------------------------------------


def test_management_erases_and_exports_from_the_lead_page(client, manager, make_lead):
    lead = make_lead(**CONTACT)
    client.force_login(manager)

    page = client.get(f"/leads/{lead.pk}/")
    assert page.status_code == 200
    assert f"/leads/{lead.pk}/erase/" in page.content.decode()
    export = client.get(f"/leads/{lead.pk}/personal-data/")
    assert export.status_code == 200
    assert export.json()["lead"]["email"] == CONTACT["email"]

    assert client.post(f"/leads/{lead.pk}/erase/", {"reason": ""}).status_code == 302
    assert Lead.objects.get(pk=lead.pk).erased_at is None  # no reason, nothing erased
    client.post(f"/leads/{lead.pk}/erase/", {"reason": "Asked by phone"})
    assert Lead.objects.get(pk=lead.pk).email == ""


def test_nobody_else_sees_the_erase_form_or_reaches_it(client, marketer, make_lead):
    lead = make_lead(**CONTACT)
    client.force_login(marketer)

    assert f"/leads/{lead.pk}/erase/" not in client.get(f"/leads/{lead.pk}/").content.decode()
    assert client.post(f"/leads/{lead.pk}/erase/", {"reason": "x"}).status_code == 403
    assert client.get(f"/leads/{lead.pk}/personal-data/").status_code == 403
    assert Lead.objects.get(pk=lead.pk).email == CONTACT["email"]
