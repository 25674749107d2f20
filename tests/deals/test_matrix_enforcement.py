"""The responsibility matrix decides who may move a deal where, for every department and
every pipeline stage; required sign-offs block a move until they are given."""

import pytest

from deals.models import Deal
from deals.services import deal_move
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEPARTMENTS = ["marketing", "sales", "management"]
STAGES = ["proposal", "meeting", "negotiation", "contract"]

# Who may move a deal INTO each stage with the default matrix, written out rather than read
# from the code: proposal is joint (marketing R, sales R), the rest are sales' (R), and
# management is accountable (A) for all of them.
DEFAULT_MAY_ENTER = {
    #               marketing, sales, management
    "proposal": (True, True, True),
    "meeting": (False, True, True),
    "negotiation": (False, True, True),
    "contract": (False, True, True),
}


def _actor(department: str, owner):  # type: ignore[no-untyped-def]
    """Sales act on their own deal; the other departments see every deal."""
    return owner if department == "sales" else UserFactory(role=department)


def _deal_before(stage: str, make_deal, seller) -> Deal:  # type: ignore[no-untyped-def]
    """An open deal from which moving to ``stage`` is an ordinary move: forward into every
    stage but the first, and back into the first from the second."""
    deal = make_deal(seller)
    if stage == "proposal":
        deal = deal_move(deal=deal, stage="meeting", by=seller)
    return deal


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("department", DEPARTMENTS)
def test_default_matrix_decides_who_moves_a_deal_into_each_stage(
    as_user, make_deal, seller, department, stage
):
    deal = _deal_before(stage, make_deal, seller)
    before = deal.stage.code
    actor = _actor(department, seller)

    response = as_user(actor).post(
        f"/api/v1/deals/{deal.pk}/move/", {"stage": stage}, format="json"
    )

    expected = DEFAULT_MAY_ENTER[stage][DEPARTMENTS.index(department)]
    deal.refresh_from_db()
    if expected:
        assert response.status_code == 200, response.json()
        assert response.json()["stage"] == stage
        assert deal.stage.code == stage
    else:
        assert response.status_code == 400
        body = response.json()
        assert body["allowed_departments"] == ["sales", "management"]
        assert "Responsible or Accountable" in body["stage"][0]
        assert deal.stage.code == before
        assert deal.stage_changes.count() == (2 if stage == "proposal" else 1)


@pytest.mark.parametrize("letter", ["R", "A", "C", "I"])
@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("department", DEPARTMENTS)
def test_every_letter_for_every_department_and_stage(
    make_deal, seller, set_letter, department, stage, letter
):
    deal = _deal_before(stage, make_deal, seller)
    set_letter(stage, department, letter)
    actor = _actor(department, seller)

    if letter in ("R", "A"):
        moved = deal_move(deal=deal, stage=stage, by=actor)
        assert moved.stage.code == stage
    else:
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as refused:
            deal_move(deal=deal, stage=stage, by=actor)
        assert department not in refused.value.message_dict["allowed_departments"]
        assert Deal.objects.get(pk=deal.pk).stage_id == deal.stage_id


def test_the_owner_moves_through_every_default_stage_without_approvals(as_user, make_deal, seller):
    deal = make_deal(seller)
    client = as_user(seller)
    for stage in ["meeting", "negotiation", "contract"]:
        response = client.post(f"/api/v1/deals/{deal.pk}/move/", {"stage": stage}, format="json")
        assert response.status_code == 200, response.json()
    assert (
        client.post(
            f"/api/v1/deals/{deal.pk}/close/", {"outcome": "won"}, format="json"
        ).status_code
        == 200
    )
    trail = [c.to_stage.code for c in deal.stage_changes.order_by("at", "pk")]
    assert trail == ["proposal", "meeting", "negotiation", "contract"]


@pytest.mark.parametrize("approver", DEPARTMENTS)
@pytest.mark.parametrize("stage", ["proposal", "meeting", "negotiation"])
def test_a_required_signoff_blocks_moving_past_its_stage_until_given(
    as_user, make_deal, seller, require_signoff, stage, approver
):
    deal = make_deal(seller)
    for code in STAGES[1 : STAGES.index(stage) + 1]:
        deal = deal_move(deal=deal, stage=code, by=seller)
    require_signoff(stage, approver)
    after = STAGES[STAGES.index(stage) + 1]
    client = as_user(seller)

    refused = client.post(f"/api/v1/deals/{deal.pk}/move/", {"stage": after}, format="json")

    assert refused.status_code == 400
    assert refused.json()["missing_approvals"] == [f"{stage}:{approver}"]
    deal.refresh_from_db()
    assert deal.stage.code == stage

    signer = seller if approver == "sales" else UserFactory(role=approver)
    given = as_user(signer).post(
        f"/api/v1/deals/{deal.pk}/sign-offs/", {"stage": stage}, format="json"
    )
    assert given.status_code == 201, given.json()
    assert given.json()["department"] == approver

    moved = client.post(f"/api/v1/deals/{deal.pk}/move/", {"stage": after}, format="json")
    assert moved.status_code == 200, moved.json()
    assert moved.json()["stage"] == after


def test_skipping_a_stage_still_needs_its_signoffs(as_user, make_deal, seller, require_signoff):
    deal = make_deal(seller)
    require_signoff("meeting", "management")

    response = as_user(seller).post(
        f"/api/v1/deals/{deal.pk}/move/", {"stage": "contract"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["missing_approvals"] == ["meeting:management"]


def test_moving_back_needs_no_signoff_but_department_limits_still_apply(
    as_user, make_deal, seller, require_signoff, set_letter
):
    deal = deal_move(deal=make_deal(seller), stage="meeting", by=seller)
    require_signoff("meeting", "marketing")
    client = as_user(seller)
    assert (
        client.post(
            f"/api/v1/deals/{deal.pk}/move/", {"stage": "proposal"}, format="json"
        ).status_code
        == 200
    )

    set_letter("meeting", "sales", "C")
    response = client.post(f"/api/v1/deals/{deal.pk}/move/", {"stage": "meeting"}, format="json")
    assert response.status_code == 400
    assert response.json()["allowed_departments"] == ["management"]


def test_a_refused_move_names_every_missing_thing(
    as_user, make_deal, seller, require_signoff, set_letter
):
    deal = make_deal(seller)
    require_signoff("proposal", "marketing")
    require_signoff("proposal", "management", source="sales", target="management")
    set_letter("meeting", "sales", "I")

    body = (
        as_user(seller)
        .post(f"/api/v1/deals/{deal.pk}/move/", {"stage": "meeting"}, format="json")
        .json()
    )

    assert body["allowed_departments"] == ["management"]
    assert body["missing_approvals"] == ["proposal:marketing", "proposal:management"]
    assert len(body["stage"]) == 3  # the department limit and the two sign-offs


def test_signoff_only_by_the_department_the_rule_names(
    as_user, make_deal, seller, marketer, manager, require_signoff
):
    deal = make_deal(seller)
    require_signoff("proposal", "marketing")

    wrong = as_user(manager).post(
        f"/api/v1/deals/{deal.pk}/sign-offs/", {"stage": "proposal"}, format="json"
    )
    assert wrong.status_code == 400
    right = as_user(marketer).post(
        f"/api/v1/deals/{deal.pk}/sign-offs/", {"stage": "proposal"}, format="json"
    )
    assert right.status_code == 201
    again = as_user(UserFactory(role="marketing")).post(
        f"/api/v1/deals/{deal.pk}/sign-offs/", {"stage": "proposal"}, format="json"
    )
    assert again.status_code == 400
    assert "already signed off" in again.json()["stage"][0]
    assert deal.approvals.count() == 1


def test_closing_won_needs_the_current_stages_signoffs(
    as_user, make_deal, seller, manager, require_signoff
):
    deal = make_deal(seller)
    require_signoff("proposal", "management", source="sales", target="management")

    refused = as_user(seller).post(
        f"/api/v1/deals/{deal.pk}/close/", {"outcome": "won"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["missing_approvals"] == ["proposal:management"]
    # Losing a deal needs nobody's sign-off.
    lost = as_user(seller).post(
        f"/api/v1/deals/{deal.pk}/close/", {"outcome": "lost", "reason": "price"}, format="json"
    )
    assert lost.status_code == 200


def test_the_deal_detail_shows_what_each_move_needs(
    as_user, make_deal, seller, require_signoff, set_letter
):
    deal = make_deal(seller)
    require_signoff("proposal", "marketing")
    set_letter("contract", "sales", "C")

    moves = {
        m["stage"]: m for m in as_user(seller).get(f"/api/v1/deals/{deal.pk}/").json()["moves"]
    }

    assert set(moves) == {"meeting", "negotiation", "contract"}
    assert moves["meeting"]["allowed"] is False
    assert moves["meeting"]["missing_approvals"] == ["proposal:marketing"]
    assert moves["meeting"]["allowed_departments"] is None
    assert moves["contract"]["allowed_departments"] == ["management"]
