"""The agreed lead definition: proposed by a head, active after both heads approve."""

import pytest

from leads.models import LeadDefinition
from leads.services import definition_approve, definition_propose
from tests.conftest import race
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_CRITERIA = [
    {"code": "target_segment", "label": "Target segment", "required": True},
    {"code": "budget", "label": "Has a budget", "required": True},
    {"code": "newsletter", "label": "Subscribed", "required": False},
]


@pytest.fixture
def heads(db):  # type: ignore[no-untyped-def]
    return UserFactory(role="marketing", is_head=True), UserFactory(role="sales", is_head=True)


def test_fresh_install_has_an_active_default(as_user, seller):
    body = as_user(seller).get("/api/v1/lead-definition/").json()
    assert body["version"] == 1
    assert body["status"] == "active"
    assert [c["code"] for c in body["criteria"]] == [
        "target_segment",
        "real_need",
        "valid_contacts",
        "ready_for_dialog",
    ]
    assert all(c["required"] for c in body["criteria"])
    assert body["approved_by"] == []


def test_propose_then_both_heads_approve(as_user, heads):
    marketing_head, sales_head = heads
    draft = as_user(marketing_head).post(
        "/api/v1/lead-definition/versions/", {"criteria": NEW_CRITERIA}, format="json"
    )
    assert draft.status_code == 201
    assert draft.json()["status"] == "draft"
    assert draft.json()["approved_by"] == []  # proposing is not approving
    version = draft.json()["version"]
    assert version == 2

    first = as_user(marketing_head).post(f"/api/v1/lead-definition/versions/{version}/approve/")
    assert first.status_code == 200
    assert first.json()["status"] == "draft"
    assert as_user(marketing_head).get("/api/v1/lead-definition/").json()["version"] == 1

    second = as_user(sales_head).post(f"/api/v1/lead-definition/versions/{version}/approve/")
    assert second.status_code == 200
    assert second.json()["status"] == "active"
    assert set(second.json()["approved_by"]) == {marketing_head.pk, sales_head.pk}

    active = as_user(sales_head).get("/api/v1/lead-definition/").json()
    assert active["version"] == 2
    versions = {
        v["version"]: v["status"]
        for v in as_user(sales_head).get("/api/v1/lead-definition/versions/").json()["results"]
    }
    assert versions == {1: "retired", 2: "active"}


def test_two_marketing_heads_do_not_activate(as_user, heads):
    marketing_head, _ = heads
    other = UserFactory(role="marketing", is_head=True)
    version = (
        as_user(marketing_head)
        .post("/api/v1/lead-definition/versions/", {"criteria": NEW_CRITERIA}, format="json")
        .json()["version"]
    )
    as_user(marketing_head).post(f"/api/v1/lead-definition/versions/{version}/approve/")
    response = as_user(other).post(f"/api/v1/lead-definition/versions/{version}/approve/")
    assert response.json()["status"] == "draft"


@pytest.mark.parametrize(
    ("role", "head"),
    [("marketing", False), ("sales", False), ("management", True), ("management", False)],
)
def test_non_heads_may_not_propose_or_approve(as_user, heads, role, head):
    version = (
        as_user(heads[0])
        .post("/api/v1/lead-definition/versions/", {"criteria": NEW_CRITERIA}, format="json")
        .json()["version"]
    )
    outsider = UserFactory(role=role, is_head=head)
    assert (
        as_user(outsider)
        .post("/api/v1/lead-definition/versions/", {"criteria": NEW_CRITERIA}, format="json")
        .status_code
        == 403
    )
    assert (
        as_user(outsider).post(f"/api/v1/lead-definition/versions/{version}/approve/").status_code
        == 403
    )


def test_approving_an_active_or_retired_version_is_400(as_user, heads):
    assert as_user(heads[0]).post("/api/v1/lead-definition/versions/1/approve/").status_code == 400


def test_unknown_version_is_404(as_user, heads):
    assert as_user(heads[0]).post("/api/v1/lead-definition/versions/99/approve/").status_code == 404


@pytest.mark.parametrize(
    "criteria",
    [
        [],
        [{"code": "a", "label": "A", "required": True}, {"code": "a", "label": "B"}],
        [{"code": "has space", "label": "A"}],
        [{"label": "no code"}],
        [{"code": "a", "label": "A", "required": False}],
        "not a list",
    ],
)
def test_bad_proposals_are_400(as_user, heads, criteria):
    response = as_user(heads[0]).post(
        "/api/v1/lead-definition/versions/", {"criteria": criteria}, format="json"
    )
    assert response.status_code == 400
    assert LeadDefinition.objects.count() == 1


def test_qualification_uses_the_new_active_version(as_user, heads, seller, touched):
    marketing_head, sales_head = heads
    draft = definition_propose(by=marketing_head, criteria=NEW_CRITERIA)
    definition_approve(definition=draft, by=marketing_head)
    definition_approve(definition=draft, by=sales_head)
    lead = touched(seller)
    response = as_user(seller).post(
        f"/api/v1/leads/{lead.pk}/qualify/",
        {"criteria": {"target_segment": True, "budget": True}},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["qualification"] == {
        "target_segment": True,
        "budget": True,
        "newsletter": False,
    }
    assert response.json()["definition_version"] == draft.version


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_activations_leave_exactly_one_active_version():
    marketing_head = UserFactory(role="marketing", is_head=True)
    sales_heads = [UserFactory(role="sales", is_head=True) for _ in range(2)]
    drafts = [definition_propose(by=marketing_head, criteria=NEW_CRITERIA) for _ in range(2)]
    for draft in drafts:
        definition_approve(definition=draft, by=marketing_head)
    race(
        *[
            lambda d=d, h=h: definition_approve(definition=d, by=h)
            for d, h in zip(drafts, sales_heads, strict=True)
        ],
        reraise=True,
    )
    assert LeadDefinition.objects.filter(status="active").count() == 1
    assert LeadDefinition.objects.filter(status="retired").count() == 2
