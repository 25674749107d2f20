"""The responsibility matrix through the API: everyone reads it, managers change it (others
get 403), every change is validated and kept in the audit history with who made it."""

import pytest

from org.models import FunnelStage, HandOff, Responsibility
from tests.conftest import Count, count_queries
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The default matrix, written out: (marketing, sales, management) per stage.
DEFAULT = {
    "audience_analysis": ("R", "R", "A"),
    "positioning": ("R", "R", "A"),
    "campaigns": ("R", "C", "A"),
    "inbound_requests": ("I", "R", "A"),
    "proposal": ("R", "R", "A"),
    "meeting": ("I", "R", "A"),
    "negotiation": ("C", "R", "A"),
    "contract": ("I", "R", "A"),
    "loyalty": ("R", "C", "A"),
    "repeat_sales": ("C", "R", "A"),
}


def _patch(client, code: str, raci: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.patch(f"/api/v1/matrix/stages/{code}/", {"raci": raci}, format="json")


@pytest.mark.parametrize("role", ["marketing", "sales", "management"])
def test_everyone_reads_the_whole_default_matrix(as_user, role):
    response = as_user(UserFactory(role=role)).get("/api/v1/matrix/stages/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["code"] for r in rows] == list(DEFAULT)  # funnel order
    for row in rows:
        raci = row["raci"]
        assert (raci["marketing"], raci["sales"], raci["management"]) == DEFAULT[row["code"]]
    deal_stages = {r["code"]: r["deal_stage"] for r in rows if r["deal_stage"]}
    assert deal_stages == {
        "proposal": "proposal",
        "meeting": "meeting",
        "negotiation": "negotiation",
        "contract": "contract",
    }
    proposal = next(r for r in rows if r["code"] == "proposal")
    assert proposal["handoffs"][0]["from_department"] == "marketing"
    assert proposal["handoffs"][0]["requires_approval"] is False


def test_no_default_handoff_blocks_a_deal(as_user, seller):
    rows = as_user(seller).get("/api/v1/matrix/stages/").json()["results"]
    for row in rows:
        if row["deal_stage"]:
            assert all(not h["approver"] for h in row["handoffs"]), row["code"]


def test_a_manager_changes_letters_and_the_change_is_audited(as_user, manager):
    response = _patch(as_user(manager), "negotiation", {"marketing": "R"})
    assert response.status_code == 200
    assert response.json()["raci"]["marketing"] == "R"
    cell = Responsibility.objects.get(stage__code="negotiation", department="marketing")
    record = cell.history.first()
    assert (record.letter, record.history_user, record.history_change_reason) == (
        "R",
        manager,
        "negotiation/marketing = R",
    )


@pytest.mark.parametrize("role", ["marketing", "sales"])
def test_matrix_edits_by_non_managers_are_403(as_user, role):
    user = UserFactory(role=role, is_head=True)  # even a department head
    assert _patch(as_user(user), "meeting", {"sales": "A"}).status_code == 403
    handoff = HandOff.objects.first()
    client = as_user(user)
    assert (
        client.post(
            "/api/v1/matrix/handoffs/",
            {
                "stage": "meeting",
                "from_department": "sales",
                "to_department": "marketing",
                "what": "x",
            },
            format="json",
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/matrix/handoffs/{handoff.pk}/", {"approver": "sales"}, format="json"
        ).status_code
        == 403
    )
    assert client.delete(f"/api/v1/matrix/handoffs/{handoff.pk}/").status_code == 403
    assert Responsibility.history.count() == 0
    assert HandOff.history.count() == 0


@pytest.mark.parametrize(
    ("raci", "field"),
    [
        ({"sales": "I", "management": "C"}, "raci"),  # nobody R or A
        ({"sales": "A"}, "raci"),  # two Accountable
        ({"sales": "X"}, "raci"),
        ({"finance": "R"}, "department"),
    ],
)
def test_invalid_letters_are_400_and_change_nothing(as_user, manager, raci, field):
    response = _patch(as_user(manager), "meeting", raci)
    assert response.status_code == 400
    assert field in response.json()
    letters = dict(
        Responsibility.objects.filter(stage__code="meeting").values_list("department", "letter")
    )
    assert letters == {"marketing": "I", "sales": "R", "management": "A"}


def test_unknown_stage_is_404(as_user, manager):
    assert _patch(as_user(manager), "nowhere", {"sales": "R"}).status_code == 404


def test_handoff_rules_are_managed_by_managers(as_user, manager):
    client = as_user(manager)
    created = client.post(
        "/api/v1/matrix/handoffs/",
        {
            "stage": "contract",
            "from_department": "sales",
            "to_department": "management",
            "what": "Discounts above 15%",
            "approver": "management",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["stage"], body["approver"], body["requires_approval"]) == (
        "contract",
        "management",
        True,
    )
    pk = body["id"]

    changed = client.patch(f"/api/v1/matrix/handoffs/{pk}/", {"approver": ""}, format="json")
    assert changed.status_code == 200
    assert changed.json()["requires_approval"] is False
    assert client.delete(f"/api/v1/matrix/handoffs/{pk}/").status_code == 204
    trail = [
        (h.history_type, h.history_user, h.approver)
        for h in HandOff.history.filter(id=pk).order_by("history_date")
    ]
    assert trail == [("+", manager, "management"), ("~", manager, ""), ("-", manager, "")]


@pytest.mark.parametrize(
    "body",
    [
        {"stage": "contract", "from_department": "sales", "to_department": "sales", "what": "x"},
        {"stage": "contract", "from_department": "sales", "to_department": "hr", "what": "x"},
        {"stage": "nowhere", "from_department": "sales", "to_department": "marketing", "what": "x"},
        {"stage": "contract", "from_department": "sales", "to_department": "marketing", "what": ""},
        {
            "stage": "contract",
            "from_department": "sales",
            "to_department": "marketing",
            "what": "x",
            "approver": "finance",
        },
        # the proposal already has a marketing -> sales hand-off
        {
            "stage": "proposal",
            "from_department": "marketing",
            "to_department": "sales",
            "what": "x",
        },
    ],
)
def test_bad_handoffs_are_400_and_save_nothing(as_user, manager, body):
    before = HandOff.objects.count()
    response = as_user(manager).post("/api/v1/matrix/handoffs/", body, format="json")
    assert response.status_code == 400
    assert HandOff.objects.count() == before


def test_reporting_lines_are_listed(as_user, seller):
    rows = as_user(seller).get("/api/v1/matrix/reporting-lines/").json()["results"]
    assert ("sales", "management") in {(r["department"], r["reports_to"]) for r in rows}
    assert {r["cadence"] for r in rows} <= {"daily", "weekly", "monthly", "quarterly"}


def test_matrix_lists_are_constant(as_user, manager, seller):
    client = as_user(seller)
    stages, handoffs = FunnelStage.objects.count(), HandOff.objects.count()
    # count + page of stages joined with their deal stage + their cells + their hand-offs
    assert count_queries(lambda: client.get("/api/v1/matrix/stages/")) == Count(4, stages)
    # count + page of hand-offs joined with their stage
    assert count_queries(lambda: client.get("/api/v1/matrix/handoffs/")) == Count(2, handoffs)
    for stage in ("meeting", "negotiation", "contract"):
        as_user(manager).post(
            "/api/v1/matrix/handoffs/",
            {
                "stage": stage,
                "from_department": "sales",
                "to_department": "management",
                "what": "Report",
                "approver": "management",
            },
            format="json",
        )
    assert count_queries(lambda: client.get("/api/v1/matrix/stages/")) == Count(4, stages)
    assert count_queries(lambda: client.get("/api/v1/matrix/handoffs/")) == Count(2, handoffs + 3)


def test_the_schema_describes_the_matrix_and_deal_endpoints(client):
    body = client.get("/api/v1/schema/").content.decode()
    for path in [
        "/api/v1/matrix/stages/",
        "/api/v1/matrix/stages/{code}/",
        "/api/v1/matrix/handoffs/",
        "/api/v1/matrix/reporting-lines/",
        "/api/v1/deals/{id}/move/",
        "/api/v1/deals/{id}/close/",
        "/api/v1/deals/{id}/payments/",
        "/api/v1/deals/{id}/sign-offs/",
        "/api/v1/deal-stages/",
        "/api/v1/lost-reasons/",
    ]:
        assert path in body, path
