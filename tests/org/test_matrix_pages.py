"""The matrix page shows the whole grid to everyone; managers edit it there (others get 403);
every change is audited and listed on the page. The admin goes through the same services."""

import pytest

from org.models import FunnelStage, HandOff, Responsibility
from tests.conftest import Count, count_queries
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _grid_post(**changes: str) -> dict[str, str]:
    """The whole grid as the page posts it, with some cells changed (``stage__dept="X"``)."""
    data = {
        f"cell-{code}-{dept}": letter
        for code, dept, letter in Responsibility.objects.values_list(
            "stage__code", "department", "letter"
        )
    }
    for key, letter in changes.items():
        code, dept = key.split("__")
        data[f"cell-{code}-{dept}"] = letter
    return data


@pytest.mark.parametrize("role", ["marketing", "sales"])
def test_everyone_sees_the_whole_grid_read_only(client, role):
    client.force_login(UserFactory(role=role))
    response = client.get("/matrix/")
    assert response.status_code == 200
    page = response.content.decode()
    assert len(response.context["grid"]) == FunnelStage.objects.count() == 10
    for name in ("Audience analysis", "Commercial proposal", "Post-sale loyalty", "Repeat sales"):
        assert name in page
    assert "<select" not in page.split('id="handoffs"')[0]
    assert "Save the matrix" not in page


def test_a_manager_edits_the_grid_and_the_change_is_listed(client, manager):
    client.force_login(manager)
    assert b"Save the matrix" in client.get("/matrix/").content

    response = client.post("/matrix/", _grid_post(proposal__marketing="C"), follow=True)

    assert b"1 changes" in response.content
    cell = Responsibility.objects.get(stage__code="proposal", department="marketing")
    assert cell.letter == "C"
    assert cell.history.first().history_user == manager
    changes = response.context["changes"]
    assert (changes[0].kind, changes[0].by, changes[0].record.letter) == ("cell", manager, "C")


def test_an_invalid_grid_changes_nothing(client, manager):
    client.force_login(manager)
    response = client.post(
        "/matrix/",
        _grid_post(meeting__sales="A", campaigns__marketing="I"),  # two Accountables on meeting
        follow=True,
    )
    assert b"only one Accountable" in response.content
    assert Responsibility.objects.get(stage__code="meeting", department="sales").letter == "R"
    assert Responsibility.objects.get(stage__code="campaigns", department="marketing").letter == "R"
    assert Responsibility.history.count() == 0


@pytest.mark.parametrize("role", ["marketing", "sales"])
def test_matrix_edits_by_non_managers_are_403(client, role):
    client.force_login(UserFactory(role=role, is_head=True))
    handoff = HandOff.objects.first()
    assert client.post("/matrix/", _grid_post(meeting__sales="C")).status_code == 403
    assert (
        client.post(
            "/matrix/handoffs/",
            {
                "stage": "meeting",
                "from_department": "sales",
                "to_department": "marketing",
                "what": "x",
            },
        ).status_code
        == 403
    )
    assert client.post(f"/matrix/handoffs/{handoff.pk}/", {"approver": "sales"}).status_code == 403
    assert client.post(f"/matrix/handoffs/{handoff.pk}/delete/").status_code == 403
    assert Responsibility.history.count() == HandOff.history.count() == 0


def test_a_manager_manages_handoffs_on_the_page(client, manager):
    client.force_login(manager)
    client.post(
        "/matrix/handoffs/",
        {
            "stage": "proposal",
            "from_department": "sales",
            "to_department": "marketing",
            "what": "Draft proposal for review",
            "approver": "marketing",
        },
    )
    handoff = HandOff.objects.get(stage__code="proposal", from_department="sales")
    assert handoff.approver == "marketing"

    client.post(f"/matrix/handoffs/{handoff.pk}/", {"what": "Proposal", "approver": ""})
    handoff.refresh_from_db()
    assert (handoff.what, handoff.approver) == ("Proposal", "")

    response = client.post(
        "/matrix/handoffs/",
        {"stage": "proposal", "from_department": "sales", "to_department": "sales", "what": "x"},
        follow=True,
    )
    assert b"from one department to another" in response.content

    client.post(f"/matrix/handoffs/{handoff.pk}/delete/")
    assert not HandOff.objects.filter(pk=handoff.pk).exists()
    assert HandOff.history.filter(id=handoff.pk).count() == 3


def test_matrix_page_is_constant(client, manager):
    client.force_login(manager)

    def count() -> Count:
        return count_queries(lambda: client.get("/matrix/"))

    before = count()
    client.post("/matrix/", _grid_post(meeting__marketing="C", contract__marketing="C"))
    for stage in ("meeting", "negotiation"):
        client.post(
            "/matrix/handoffs/",
            {
                "stage": stage,
                "from_department": "sales",
                "to_department": "management",
                "what": "Report",
                "approver": "management",
            },
        )
    after = count()
    assert after == Count(before.queries, before.rows + 2)  # the two new hand-offs


def test_letters_in_the_admin_are_validated_and_audited(client, manager):
    stage = FunnelStage.objects.get(code="meeting")
    cells = {c.department: c for c in stage.responsibilities.all()}
    client.force_login(manager)

    def post(**letters: str):  # type: ignore[no-untyped-def]
        data = {
            "name": stage.name,
            "description": stage.description,
            "order": stage.order,
            "responsibilities-TOTAL_FORMS": "3",
            "responsibilities-INITIAL_FORMS": "3",
            "handoffs-TOTAL_FORMS": "0",
            "handoffs-INITIAL_FORMS": "0",
        }
        for i, dept in enumerate(["management", "marketing", "sales"]):
            data[f"responsibilities-{i}-id"] = cells[dept].pk
            data[f"responsibilities-{i}-stage"] = stage.pk
            data[f"responsibilities-{i}-letter"] = letters.get(dept, cells[dept].letter)
        return client.post(f"/admin/org/funnelstage/{stage.pk}/change/", data)

    refused = post(sales="A")
    assert refused.status_code == 200
    assert b"only one Accountable" in refused.content
    assert Responsibility.objects.get(pk=cells["sales"].pk).letter == "R"

    saved = post(marketing="C")
    assert saved.status_code == 302
    cell = Responsibility.objects.get(pk=cells["marketing"].pk)
    assert cell.letter == "C"
    assert cell.history.first().history_user == manager


def test_handoffs_in_the_admin_go_through_the_services(client, manager):
    client.force_login(manager)
    stage = FunnelStage.objects.get(code="contract")
    response = client.post(
        "/admin/org/handoff/add/",
        {
            "stage": stage.pk,
            "from_department": "sales",
            "to_department": "management",
            "what": "Discounts above 15%",
            "approver": "management",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    handoff = HandOff.objects.get(stage=stage, to_department="management")
    assert handoff.history.get().history_user == manager

    same_direction = client.post(
        "/admin/org/handoff/add/",
        {
            "stage": stage.pk,
            "from_department": "sales",
            "to_department": "management",
            "what": "Again",
        },
    )
    assert same_direction.status_code == 200  # the form again, with the error
    assert HandOff.objects.filter(stage=stage, to_department="management").count() == 1

    client.post(f"/admin/org/handoff/{handoff.pk}/delete/", {"post": "yes"})
    assert not HandOff.objects.filter(pk=handoff.pk).exists()
    assert HandOff.history.filter(id=handoff.pk, history_type="-", history_user=manager).exists()
