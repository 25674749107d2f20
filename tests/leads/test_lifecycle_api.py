"""Claim, touches, qualify, disqualify and convert through the API, per the contract."""

import pytest

from leads.models import Lead
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ALL_MET = {
    "target_segment": True,
    "real_need": True,
    "valid_contacts": True,
    "ready_for_dialog": True,
}


def test_claim_gives_the_earliest_deadline_first(as_user, seller, make_lead):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    later = make_lead(now=now)
    earlier = make_lead(now=now - timedelta(minutes=3))

    first = as_user(seller).post("/api/v1/leads/claim/")
    second = as_user(seller).post("/api/v1/leads/claim/")
    empty = as_user(seller).post("/api/v1/leads/claim/")

    assert first.status_code == 200
    assert first.json()["id"] == earlier.pk
    assert first.json()["status"] == "assigned"
    assert first.json()["owner"] == seller.pk
    assert first.json()["assigned_at"] is not None
    assert second.json()["id"] == later.pk
    assert empty.status_code == 204


@pytest.mark.parametrize("role", ["marketing", "management"])
def test_claim_by_non_sales_is_403(as_user, make_lead, role):
    make_lead()
    assert as_user(UserFactory(role=role)).post("/api/v1/leads/claim/").status_code == 403


def test_claim_over_capacity_is_409(as_user, seller, make_lead, capacity):
    capacity(seller, 1)
    make_lead()
    make_lead()
    assert as_user(seller).post("/api/v1/leads/claim/").status_code == 200
    response = as_user(seller).post("/api/v1/leads/claim/")
    assert response.status_code == 409
    assert "capacity" in response.json()["detail"]


def test_first_touch_stops_the_clock(as_user, seller, claimed):
    lead = claimed(seller)
    response = as_user(seller).post(
        f"/api/v1/leads/{lead.pk}/touches/", {"kind": "call", "note": "Spoke"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "call"
    lead.refresh_from_db()
    assert lead.status == "contacted"
    assert lead.first_touch_at is not None
    assert lead.sla_next_check_at is None

    first_touch = lead.first_touch_at
    as_user(seller).post(f"/api/v1/leads/{lead.pk}/touches/", {"kind": "email"}, format="json")
    lead.refresh_from_db()
    assert lead.first_touch_at == first_touch
    assert lead.touches.count() == 2


def test_bad_touch_kind_is_400(as_user, seller, claimed):
    lead = claimed(seller)
    response = as_user(seller).post(
        f"/api/v1/leads/{lead.pk}/touches/", {"kind": "telepathy"}, format="json"
    )
    assert response.status_code == 400
    assert "kind" in response.json()


@pytest.mark.parametrize("action", ["touches", "qualify", "disqualify"])
def test_acting_on_someone_elses_lead_is_404(
    as_user, seller, other_seller, manager, claimed, action
):
    lead = claimed(seller)
    body = {"kind": "call", "criteria": ALL_MET, "reason": "no_need"}
    for outsider in (other_seller, manager, UserFactory(role="marketing")):
        response = as_user(outsider).post(f"/api/v1/leads/{lead.pk}/{action}/", body, format="json")
        assert response.status_code == 404, outsider.role


def test_qualify_needs_a_touch_first(as_user, seller, claimed):
    lead = claimed(seller)
    response = as_user(seller).post(
        f"/api/v1/leads/{lead.pk}/qualify/", {"criteria": ALL_MET}, format="json"
    )
    assert response.status_code == 400
    assert Lead.objects.get(pk=lead.pk).status == "assigned"


def test_qualify_reports_unmet_criteria_and_keeps_the_status(as_user, seller, touched):
    lead = touched(seller)
    response = as_user(seller).post(
        f"/api/v1/leads/{lead.pk}/qualify/",
        {"criteria": {**ALL_MET, "real_need": False, "ready_for_dialog": False}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["unmet"] == ["real_need", "ready_for_dialog"]
    lead.refresh_from_db()
    assert lead.status == "contacted"
    assert lead.qualification == {}


def test_missing_criteria_count_as_unmet(as_user, seller, touched):
    lead = touched(seller)
    response = as_user(seller).post(
        f"/api/v1/leads/{lead.pk}/qualify/",
        {"criteria": {"target_segment": True}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["unmet"] == ["real_need", "valid_contacts", "ready_for_dialog"]


def test_qualify_stores_criteria_and_version(as_user, seller, touched):
    lead = touched(seller)
    response = as_user(seller).post(
        f"/api/v1/leads/{lead.pk}/qualify/", {"criteria": ALL_MET}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "qualified"
    assert body["qualification"] == ALL_MET
    assert body["definition_version"] == 1


@pytest.mark.parametrize(
    "criteria", [{"made_up": True}, {"real_need": "yes please"}, "not a dict", None]
)
def test_bad_criteria_are_400(as_user, seller, touched, criteria):
    lead = touched(seller)
    response = as_user(seller).post(
        f"/api/v1/leads/{lead.pk}/qualify/", {"criteria": criteria}, format="json"
    )
    assert response.status_code == 400
    assert Lead.objects.get(pk=lead.pk).status == "contacted"


def test_disqualify_with_reason(as_user, seller, claimed):
    lead = claimed(seller)
    response = as_user(seller).post(
        f"/api/v1/leads/{lead.pk}/disqualify/",
        {"reason": "no_need", "note": "Just browsing"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "disqualified"
    assert response.json()["disqualification_reason"] == "no_need"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "bad_weather"}])
def test_disqualify_without_a_known_reason_is_400(as_user, seller, claimed, body):
    lead = claimed(seller)
    response = as_user(seller).post(f"/api/v1/leads/{lead.pk}/disqualify/", body, format="json")
    assert response.status_code == 400
    assert Lead.objects.get(pk=lead.pk).status == "assigned"


@pytest.mark.parametrize("needed", [3, 1])
def test_no_response_needs_enough_touches(as_user, seller, claimed, settings, needed):
    settings.NO_RESPONSE_MIN_ATTEMPTS = needed
    lead = claimed(seller)
    api = as_user(seller)
    for _ in range(needed):
        response = api.post(
            f"/api/v1/leads/{lead.pk}/disqualify/", {"reason": "no_response"}, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()) == ["reason"]
        assert Lead.objects.get(pk=lead.pk).status != "disqualified"
        api.post(f"/api/v1/leads/{lead.pk}/touches/", {"kind": "call"}, format="json")
    response = api.post(
        f"/api/v1/leads/{lead.pk}/disqualify/", {"reason": "no_response"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["disqualification_reason"] == "no_response"


def test_convert_a_qualified_lead_into_a_deal(as_user, seller, touched):
    lead = touched(seller)
    as_user(seller).post(f"/api/v1/leads/{lead.pk}/qualify/", {"criteria": ALL_MET}, format="json")
    response = as_user(seller).post(
        f"/api/v1/leads/{lead.pk}/convert/",
        {"title": "Licences", "amount": "120000.50"},
        format="json",
    )
    assert response.status_code == 201
    deal = response.json()
    assert deal["lead"] == lead.pk
    assert deal["amount"] == "120000.50"
    assert deal["channel"] == "website"
    assert deal["owner"] == seller.pk
    detail = as_user(seller).get(f"/api/v1/leads/{lead.pk}/").json()
    assert detail["status"] == "converted"
    assert detail["deal"] == deal["id"]


def test_convert_needs_a_qualified_lead(as_user, seller, touched):
    lead = touched(seller)
    response = as_user(seller).post(
        f"/api/v1/leads/{lead.pk}/convert/", {"title": "X", "amount": "1"}, format="json"
    )
    assert response.status_code == 400
    assert Lead.objects.get(pk=lead.pk).status == "contacted"


@pytest.mark.parametrize(
    "body",
    [
        {"title": "X"},
        {"amount": "5"},
        {"title": "X", "amount": "-1"},
        {"title": "X", "amount": "abc"},
        {"title": "", "amount": "5"},
    ],
)
def test_convert_bad_input_is_400(as_user, seller, touched, body):
    lead = touched(seller)
    as_user(seller).post(f"/api/v1/leads/{lead.pk}/qualify/", {"criteria": ALL_MET}, format="json")
    response = as_user(seller).post(f"/api/v1/leads/{lead.pk}/convert/", body, format="json")
    assert response.status_code == 400
    assert Lead.objects.get(pk=lead.pk).status == "qualified"


def test_convert_someone_elses_lead_is_404(as_user, seller, other_seller, touched):
    lead = touched(seller)
    response = as_user(other_seller).post(
        f"/api/v1/leads/{lead.pk}/convert/", {"title": "X", "amount": "1"}, format="json"
    )
    assert response.status_code == 404


# --- Scope ---------------------------------------------------------------------------------------


def test_sales_see_the_queue_and_their_own_leads_only(
    as_user, seller, other_seller, make_lead, claimed
):
    waiting = make_lead()
    mine = claimed(seller)
    theirs = claimed(other_seller)
    # the queue is claimed earliest deadline first, so re-check which one is waiting
    waiting.refresh_from_db()
    ids = {row["id"] for row in as_user(seller).get("/api/v1/leads/").json()["results"]}
    queue_ids = set(Lead.objects.filter(status="new").values_list("pk", flat=True))
    assert ids == queue_ids | {mine.pk}
    assert theirs.pk not in ids
    assert as_user(seller).get(f"/api/v1/leads/{theirs.pk}/").status_code == 404
    assert as_user(seller).get(f"/api/v1/leads/{mine.pk}/").status_code == 200


@pytest.mark.parametrize("role", ["marketing", "management"])
def test_marketing_and_management_see_every_lead(as_user, seller, claimed, make_lead, role):
    claimed(seller)
    make_lead()
    body = as_user(UserFactory(role=role)).get("/api/v1/leads/").json()
    assert len(body["results"]) == 2


def test_list_filters(as_user, manager, seller, claimed, make_lead):
    mine = claimed(seller)
    make_lead()
    client = as_user(manager)

    def ids(query: str) -> set[int]:
        response = client.get(f"/api/v1/leads/?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(f"owner={seller.pk}") == {mine.pk}
    assert ids("status=assigned") == {mine.pk}
    assert len(ids("status=new")) == 1
    assert len(ids("channel=website")) == 2
    assert ids("sla_breached=true") == set()
    assert len(ids("sla_breached=false")) == 2
    assert len(ids("created_after=2000-01-01")) == 2
    assert ids("created_before=2000-01-01T00:00:00Z") == set()
    assert {r["id"] for r in as_user(seller).get("/api/v1/leads/?owner=me").json()["results"]} == {
        mine.pk
    }


@pytest.mark.parametrize(
    "query",
    [
        "status=lost",
        "channel=nowhere",
        "owner=someone",
        "sla_breached=perhaps",
        "created_after=yesterday",
        "page_size=0",
        "page_size=abc",
    ],
)
def test_bad_filters_are_400(as_user, manager, make_lead, query):
    make_lead()
    assert as_user(manager).get(f"/api/v1/leads/?{query}").status_code == 400


def test_lead_detail_has_the_contract_fields(as_user, manager, make_lead):
    lead = make_lead(phone="+79161234567")
    body = as_user(manager).get(f"/api/v1/leads/{lead.pk}/").json()
    for field in [
        "id",
        "name",
        "email",
        "phone",
        "company",
        "segment",
        "channel",
        "campaign",
        "status",
        "owner",
        "created_at",
        "assigned_at",
        "first_touch_at",
        "sla_deadline",
        "sla_breached",
        "escalations",
        "disqualification_reason",
        "qualification",
        "deal",
        "duplicate_requests",
    ]:
        assert field in body, field
    assert body["created_at"].endswith("Z") or "+" in body["created_at"]
