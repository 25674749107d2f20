"""The Deals API per the contract: every endpoint, every status code, nothing saved on bad
input. Permission tests use the owner, a colleague and other departments."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import Deal, Payment, StageChange
from deals.services import deal_close, deal_move
from org.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONTRACT_FIELDS = {
    "id",
    "lead",
    "title",
    "amount",
    "stage",
    "owner",
    "status",
    "lost_reason",
    "paid_total",
    "channel",
    "campaign",
}


def _post(client, url: str, data: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post(url, data or {}, format="json")


# --- Reading -------------------------------------------------------------------------------


def test_deal_list_and_detail_carry_the_contract_fields(as_user, make_deal, seller):
    deal = make_deal(seller, amount="1500.00")
    listed = as_user(seller).get("/api/v1/deals/")
    assert listed.status_code == 200
    assert set(listed.json()) >= {"next", "previous", "results"}
    row = listed.json()["results"][0]
    assert set(row) >= CONTRACT_FIELDS
    assert row["id"] == deal.pk
    assert row["lead"] == deal.lead_id
    assert row["amount"] == "1500.00"
    assert row["stage"] == "proposal"
    assert row["owner"] == seller.pk
    assert row["status"] == "open"
    assert row["lost_reason"] is None
    assert row["paid_total"] == "0.00"
    assert row["channel"] == "website"
    assert row["campaign"] is None

    detail = as_user(seller).get(f"/api/v1/deals/{deal.pk}/")
    assert detail.status_code == 200
    assert set(detail.json()) >= CONTRACT_FIELDS
    assert detail.json()["stage_history"][0]["to_stage"] == "proposal"


def test_sales_see_their_own_deals_others_see_all(
    as_user, make_deal, seller, other_seller, marketer, manager
):
    mine = make_deal(seller)
    theirs = make_deal(other_seller)

    def ids(user):  # type: ignore[no-untyped-def]
        return {d["id"] for d in as_user(user).get("/api/v1/deals/").json()["results"]}

    assert ids(seller) == {mine.pk}
    assert ids(other_seller) == {theirs.pk}
    assert ids(marketer) == ids(manager) == {mine.pk, theirs.pk}
    assert as_user(seller).get(f"/api/v1/deals/{theirs.pk}/").status_code == 404
    assert as_user(marketer).get(f"/api/v1/deals/{theirs.pk}/").status_code == 200


def test_anonymous_gets_401(api, make_deal, seller):
    deal = make_deal(seller)
    assert api.get("/api/v1/deals/").status_code == 401
    assert api.post(f"/api/v1/deals/{deal.pk}/move/", {"stage": "meeting"}).status_code == 401
    assert api.get("/api/v1/deal-stages/").status_code == 401


def test_list_filters(as_user, make_deal, seller, manager):
    first = make_deal(seller)
    second = make_deal(seller)
    deal_move(deal=second, stage="meeting", by=seller)
    deal_close(deal=first, outcome="lost", reason="price", by=seller)
    client = as_user(manager)

    def ids(query: str) -> set[int]:
        response = client.get(f"/api/v1/deals/?{query}")
        assert response.status_code == 200, response.json()
        return {d["id"] for d in response.json()["results"]}

    assert ids("status=lost") == {first.pk}
    assert ids("stage=meeting") == {second.pk}
    assert ids(f"owner={seller.pk}") == {first.pk, second.pk}
    assert ids("owner=me") == set()
    assert ids("channel=website") == {first.pk, second.pk}
    assert client.get("/api/v1/deals/?owner=nobody").status_code == 400
    assert client.get("/api/v1/deals/?stage=nowhere").status_code == 400


def test_deal_stages_and_lost_reasons(as_user, seller):
    stages = as_user(seller).get("/api/v1/deal-stages/")
    assert stages.status_code == 200
    rows = stages.json()["results"]
    assert [(r["code"], r["order"]) for r in rows] == [
        ("proposal", 10),
        ("meeting", 20),
        ("negotiation", 30),
        ("contract", 40),
    ]
    assert all(r["name"] for r in rows)
    reasons = as_user(seller).get("/api/v1/lost-reasons/").json()["results"]
    assert {"price", "competitor", "no_budget", "no_decision", "timing"} <= {
        r["code"] for r in reasons
    }
    assert set(reasons[0]) == {"code", "label"}


# --- Moving --------------------------------------------------------------------------------


def test_move_returns_the_deal(as_user, make_deal, seller):
    deal = make_deal(seller)
    response = _post(as_user(seller), f"/api/v1/deals/{deal.pk}/move/", {"stage": "meeting"})
    assert response.status_code == 200
    assert response.json()["id"] == deal.pk
    assert response.json()["stage"] == "meeting"
    change = StageChange.objects.filter(deal=deal).order_by("-pk").first()
    assert (change.from_stage.code, change.to_stage.code, change.by) == (
        "proposal",
        "meeting",
        seller,
    )
    history = deal.history.first()
    assert history.history_user == seller
    assert history.history_change_reason == "stage proposal -> meeting"


@pytest.mark.parametrize("body", [{"stage": "nowhere"}, {}, {"stage": ""}, {"stage": None}])
def test_move_to_an_unknown_stage_is_400(as_user, make_deal, seller, body):
    deal = make_deal(seller)
    response = _post(as_user(seller), f"/api/v1/deals/{deal.pk}/move/", body)
    assert response.status_code == 400
    assert "stage" in response.json()
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_move_to_a_switched_off_stage_is_400(as_user, make_deal, seller):
    from deals.models import DealStage

    deal = make_deal(seller)
    DealStage.objects.filter(code="negotiation").update(is_active=False)
    response = _post(as_user(seller), f"/api/v1/deals/{deal.pk}/move/", {"stage": "negotiation"})
    assert response.status_code == 400


def test_move_backwards_out_of_a_stage_that_forbids_it_is_400(as_user, make_deal, seller):
    deal = make_deal(seller)
    for stage in ("meeting", "negotiation", "contract"):
        deal = deal_move(deal=deal, stage=stage, by=seller)
    client = as_user(seller)

    response = _post(client, f"/api/v1/deals/{deal.pk}/move/", {"stage": "negotiation"})

    assert response.status_code == 400
    assert "cannot move back" in response.json()["stage"][0]
    deal.refresh_from_db()
    assert deal.stage.code == "contract"

    # Other stages allow it: a deal at negotiation goes back to meeting.
    other = deal_move(deal=make_deal(seller), stage="negotiation", by=seller)
    response = _post(client, f"/api/v1/deals/{other.pk}/move/", {"stage": "meeting"})
    assert response.status_code == 200


def test_move_to_the_current_stage_or_of_a_closed_deal_is_400(as_user, make_deal, seller):
    deal = make_deal(seller)
    client = as_user(seller)
    assert _post(client, f"/api/v1/deals/{deal.pk}/move/", {"stage": "proposal"}).status_code == 400
    deal_close(deal=deal, outcome="lost", reason="timing", by=seller)
    response = _post(client, f"/api/v1/deals/{deal.pk}/move/", {"stage": "meeting"})
    assert response.status_code == 400
    assert "closed" in response.json()["stage"][0]


def test_move_of_another_salespersons_deal_is_404(as_user, make_deal, seller, other_seller):
    deal = make_deal(seller)
    response = _post(as_user(other_seller), f"/api/v1/deals/{deal.pk}/move/", {"stage": "meeting"})
    assert response.status_code == 404
    deal.refresh_from_db()
    assert deal.stage.code == "proposal"


# --- Closing -------------------------------------------------------------------------------


def test_close_won_and_lost(as_user, make_deal, seller):
    won = make_deal(seller)
    lost = make_deal(seller)
    client = as_user(seller)

    response = _post(client, f"/api/v1/deals/{won.pk}/close/", {"outcome": "won"})
    assert response.status_code == 200
    assert response.json()["status"] == "won"
    assert response.json()["lost_reason"] is None

    response = _post(
        client, f"/api/v1/deals/{lost.pk}/close/", {"outcome": "lost", "reason": "competitor"}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["lost_reason"]) == ("lost", "competitor")
    lost.refresh_from_db()
    assert lost.closed_at is not None


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "lost"},
        {"outcome": "lost", "reason": ""},
        {"outcome": "lost", "reason": None},
        {"outcome": "lost", "reason": "bad-mood"},
        {"outcome": "won", "reason": "price"},
        {"outcome": "maybe"},
        {},
    ],
)
def test_close_with_bad_input_is_400_and_changes_nothing(as_user, make_deal, seller, body):
    deal = make_deal(seller)
    response = _post(as_user(seller), f"/api/v1/deals/{deal.pk}/close/", body)
    assert response.status_code == 400
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason_id, deal.closed_at) == ("open", None, None)


def test_close_twice_is_400(as_user, make_deal, seller):
    deal = make_deal(seller)
    client = as_user(seller)
    assert _post(client, f"/api/v1/deals/{deal.pk}/close/", {"outcome": "won"}).status_code == 200
    response = _post(
        client, f"/api/v1/deals/{deal.pk}/close/", {"outcome": "lost", "reason": "price"}
    )
    assert response.status_code == 400
    deal.refresh_from_db()
    assert deal.status == "won"


def test_close_permissions(as_user, make_deal, seller, other_seller, marketer, manager):
    deal = make_deal(seller)
    url = f"/api/v1/deals/{deal.pk}/close/"
    assert _post(as_user(other_seller), url, {"outcome": "won"}).status_code == 404
    assert _post(as_user(marketer), url, {"outcome": "won"}).status_code == 403
    assert _post(as_user(manager), url, {"outcome": "won"}).status_code == 200


# --- Payments ------------------------------------------------------------------------------


def test_payment_is_201_and_counts_in_paid_total(as_user, make_deal, seller):
    deal = make_deal(seller, amount="1000.00")
    client = as_user(seller)
    earlier = (timezone.now() - timedelta(days=3)).isoformat()

    first = _post(client, f"/api/v1/deals/{deal.pk}/payments/", {"amount": "400.00"})
    second = _post(
        client, f"/api/v1/deals/{deal.pk}/payments/", {"amount": "250.50", "paid_at": earlier}
    )

    assert first.status_code == second.status_code == 201
    assert first.json()["amount"] == "400.00"
    assert first.json()["recorded_by"] == seller.pk
    assert second.json()["paid_at"].startswith(earlier[:16])
    detail = client.get(f"/api/v1/deals/{deal.pk}/").json()
    assert detail["paid_total"] == "650.50"
    assert [p["amount"] for p in detail["payments"]] == ["250.50", "400.00"]  # by date paid


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "0"},
        {"amount": "-5.00"},
        {"amount": "abc"},
        {"amount": "NaN"},
        {},
        {"amount": "10", "paid_at": "yesterday"},
        {"amount": "10", "paid_at": "2999-01-01T00:00:00Z"},
        {"amount": "1000000000000000"},
    ],
)
def test_bad_payment_is_400_and_saves_nothing(as_user, make_deal, seller, body):
    deal = make_deal(seller)
    response = _post(as_user(seller), f"/api/v1/deals/{deal.pk}/payments/", body)
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_payment_on_a_lost_deal_is_400_but_a_won_deal_takes_payments(as_user, make_deal, seller):
    lost = deal_close(deal=make_deal(seller), outcome="lost", reason="price", by=seller)
    won = deal_close(deal=make_deal(seller), outcome="won", by=seller)
    client = as_user(seller)
    response = _post(client, f"/api/v1/deals/{lost.pk}/payments/", {"amount": "10.00"})
    assert response.status_code == 400
    assert "lost" in response.json()["detail"]
    assert (
        _post(client, f"/api/v1/deals/{won.pk}/payments/", {"amount": "10.00"}).status_code == 201
    )
    assert Payment.objects.filter(deal=lost).count() == 0


def test_payment_permissions(as_user, make_deal, seller, other_seller, marketer, manager):
    deal = make_deal(seller)
    url = f"/api/v1/deals/{deal.pk}/payments/"
    assert _post(as_user(other_seller), url, {"amount": "1.00"}).status_code == 404
    assert _post(as_user(marketer), url, {"amount": "1.00"}).status_code == 403
    assert _post(as_user(manager), url, {"amount": "1.00"}).status_code == 201
    assert Payment.objects.count() == 1


def test_payment_above_the_deal_amount_is_accepted_and_flagged(as_user, make_deal, seller):
    deal = make_deal(seller, amount="250000.00")
    client = as_user(seller)
    url = f"/api/v1/deals/{deal.pk}/payments/"
    within = _post(client, url, {"amount": "250000.00"})
    assert within.status_code == 201
    assert within.json()["over_amount"] is False
    over = _post(client, url, {"amount": "0.01"})
    assert over.status_code == 201
    assert over.json()["over_amount"] is True
    assert {"id", "amount", "paid_at", "over_amount"} <= set(over.json())


def test_void_a_payment(as_user, make_deal, seller, manager):
    deal = make_deal(seller, amount="250000.00")
    client = as_user(seller)
    kept = _post(client, f"/api/v1/deals/{deal.pk}/payments/", {"amount": "1000.00"}).json()
    wrong = _post(client, f"/api/v1/deals/{deal.pk}/payments/", {"amount": "9000000.00"}).json()
    url = f"/api/v1/deals/{deal.pk}/payments/{wrong['id']}/void/"

    assert _post(client, url, {}).status_code == 400
    assert _post(client, url, {"reason": ""}).status_code == 400
    response = _post(client, url, {"reason": "typed two extra zeros"})
    assert response.status_code == 200
    assert response.json()["voided_by"] == seller.pk
    assert response.json()["void_reason"] == "typed two extra zeros"
    assert _post(as_user(manager), url, {"reason": "again"}).status_code == 409

    detail = client.get(f"/api/v1/deals/{deal.pk}/").json()
    assert detail["paid_total"] == "1000.00"
    assert {p["id"]: p["voided_at"] is not None for p in detail["payments"]} == {
        kept["id"]: False,
        wrong["id"]: True,
    }
    assert Payment.objects.count() == 2  # on record, never deleted


def test_void_permissions(as_user, make_deal, seller, other_seller, marketer):
    deal = make_deal(seller)
    payment = _post(as_user(seller), f"/api/v1/deals/{deal.pk}/payments/", {"amount": "5"})
    url = f"/api/v1/deals/{deal.pk}/payments/{payment.json()['id']}/void/"
    assert _post(as_user(other_seller), url, {"reason": "x"}).status_code == 404
    assert _post(as_user(marketer), url, {"reason": "x"}).status_code == 403
    other_deal = make_deal(other_seller)
    wrong_deal = f"/api/v1/deals/{other_deal.pk}/payments/{payment.json()['id']}/void/"
    assert _post(as_user(other_seller), wrong_deal, {"reason": "x"}).status_code == 404
    assert not Payment.objects.filter(voided_at__isnull=False).exists()


# --- Repeat sales and edits ----------------------------------------------------------------


def test_repeat_sale_for_an_existing_customer(as_user, won_deal, seller):
    earlier = won_deal(seller)
    response = _post(
        as_user(seller),
        "/api/v1/deals/",
        {"previous_deal": earlier.pk, "title": "More seats", "amount": "300.00"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["previous_deal"] == earlier.pk
    assert body["lead"] is None
    assert body["owner"] == seller.pk
    assert body["stage"] == "proposal"
    assert body["channel"] == earlier.channel.slug
    assert body["customer"] == earlier.customer
    assert as_user(seller).get(f"/api/v1/deals/{earlier.pk}/").json()["repeat_deals"] == [
        body["id"]
    ]


def test_repeat_sale_rules(as_user, make_deal, won_deal, seller, other_seller, marketer, manager):
    open_deal = make_deal(seller)
    theirs = won_deal(other_seller)
    mine = won_deal(seller)
    count = Deal.objects.count()

    def create(user, **body):  # type: ignore[no-untyped-def]
        data = {"title": "Again", "amount": "10.00", **body}
        return _post(as_user(user), "/api/v1/deals/", data)

    assert create(seller, previous_deal=open_deal.pk).status_code == 400  # not a customer yet
    assert create(seller, previous_deal=theirs.pk).status_code == 400  # not their customer
    assert create(seller, previous_deal=999999).status_code == 400
    assert create(seller, previous_deal=mine.pk, amount="-1").status_code == 400
    assert create(seller, previous_deal=mine.pk, owner=other_seller.pk).status_code == 400
    assert create(seller, previous_deal=mine.pk, currency="rubles").status_code == 400
    assert create(seller, title="").status_code == 400
    assert create(marketer, previous_deal=mine.pk).status_code == 403
    assert Deal.objects.count() == count

    by_manager = create(manager, previous_deal=theirs.pk, owner=seller.pk, currency="EUR")
    assert by_manager.status_code == 201
    assert (by_manager.json()["owner"], by_manager.json()["currency"]) == (seller.pk, "EUR")
    default_owner = create(manager, previous_deal=theirs.pk)
    assert default_owner.json()["owner"] == other_seller.pk


def test_edit_a_deal(as_user, make_deal, seller, other_seller, marketer):
    deal = make_deal(seller)
    url = f"/api/v1/deals/{deal.pk}/"
    client = as_user(seller)

    response = client.patch(
        url, {"amount": "2500.00", "expected_close_on": "2030-05-01"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["amount"], response.json()["expected_close_on"]) == (
        "2500.00",
        "2030-05-01",
    )
    cleared = client.patch(url, {"expected_close_on": None}, format="json")
    assert cleared.json()["expected_close_on"] is None
    assert client.patch(url, {"amount": "-1"}, format="json").status_code == 400
    assert client.patch(url, {"title": ""}, format="json").status_code == 400
    assert as_user(other_seller).patch(url, {"title": "x"}, format="json").status_code == 404
    assert as_user(marketer).patch(url, {"title": "x"}, format="json").status_code == 403
    deal.refresh_from_db()
    assert (deal.amount, deal.title) == (Decimal("2500.00"), "CRM licences")
    assert client.put(url, {"title": "x"}, format="json").status_code == 405


def test_edit_of_a_closed_deal_is_400(as_user, make_deal, seller):
    deal = deal_close(deal=make_deal(seller), outcome="won", by=seller)
    response = as_user(seller).patch(f"/api/v1/deals/{deal.pk}/", {"amount": "1"}, format="json")
    assert response.status_code == 400


# --- Sign-off requests ---------------------------------------------------------------------


def test_asking_for_a_missing_signoff_notifies_that_departments_heads(
    as_user, make_deal, seller, require_signoff
):
    head = UserFactory(role="marketing", is_head=True)
    UserFactory(role="marketing")  # not a head: not bothered
    deal = make_deal(seller)
    url = f"/api/v1/deals/{deal.pk}/sign-off-requests/"

    assert _post(as_user(seller), url).status_code == 400  # nothing to sign off yet
    require_signoff("proposal", "marketing")
    response = _post(as_user(seller), url)

    assert response.status_code == 200
    assert response.json() == {"stage": "proposal", "asked": ["marketing"]}
    notes = Notification.objects.filter(subject__contains="Sign-off needed")
    assert [n.recipient for n in notes] == [head]
    assert notes[0].link == f"/deals/{deal.pk}/"


def test_a_signoff_tells_the_owner(as_user, make_deal, seller, marketer, require_signoff):
    deal = make_deal(seller)
    require_signoff("proposal", "marketing")
    _post(
        as_user(marketer),
        f"/api/v1/deals/{deal.pk}/sign-offs/",
        {"stage": "proposal", "note": "OK"},
    )
    note = Notification.objects.get(recipient=seller)
    assert "signed off" in note.subject
    assert note.body == "OK"


def test_signoff_of_another_salespersons_deal_is_404(
    as_user, make_deal, seller, other_seller, require_signoff
):
    deal = make_deal(seller)
    require_signoff("proposal", "sales")
    url = f"/api/v1/deals/{deal.pk}/sign-offs/"
    assert _post(as_user(other_seller), url, {"stage": "proposal"}).status_code == 404
    assert _post(as_user(seller), url, {"stage": "nowhere"}).status_code == 400
    assert deal.approvals.count() == 0


def test_waiting_for_signoff_filter(as_user, make_deal, seller, marketer, require_signoff):
    waiting = make_deal(seller)
    moved_on = deal_move(deal=make_deal(seller), stage="meeting", by=seller)
    require_signoff("proposal", "marketing")
    client = as_user(marketer)

    def ids() -> set[int]:
        response = client.get("/api/v1/deals/?awaiting_signoff=marketing")
        return {d["id"] for d in response.json()["results"]}

    assert ids() == {waiting.pk}
    _post(client, f"/api/v1/deals/{waiting.pk}/sign-offs/", {"stage": "proposal"})
    assert ids() == set()
    assert moved_on.pk not in ids()


def test_convert_takes_an_expected_close_date_and_currency(as_user, qualified, seller):
    lead = qualified(seller)
    response = _post(
        as_user(seller),
        f"/api/v1/leads/{lead.pk}/convert/",
        {
            "title": "Licences",
            "amount": "10.00",
            "currency": "USD",
            "expected_close_on": "2030-02-01",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["currency"], body["expected_close_on"], body["lead"]) == (
        "USD",
        "2030-02-01",
        lead.pk,
    )


def test_an_edit_that_changes_nothing_leaves_no_history(as_user, make_deal, seller):
    deal = make_deal(seller)
    before = deal.history.count()
    response = as_user(seller).patch(
        f"/api/v1/deals/{deal.pk}/", {"title": deal.title, "amount": "1000.00"}, format="json"
    )
    assert response.status_code == 200
    assert deal.history.count() == before
