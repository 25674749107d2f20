"""The deal board and the deal page: what each department sees, and every action through the
browser calls the same service (a refused action is a message, never a 500)."""

from decimal import Decimal

import pytest

from deals.models import Deal, Payment
from deals.services import deal_close, deal_move, payment_record
from org.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_sales_board_shows_own_open_deals_by_stage(client, make_deal, seller, other_seller):
    mine = make_deal(seller, title="Mine at proposal")
    moved = deal_move(deal=make_deal(seller, title="Mine at meeting"), stage="meeting", by=seller)
    make_deal(other_seller, title="Someone else's")
    closed = deal_close(deal=make_deal(seller, title="Closed one"), outcome="won", by=seller)
    payment_record(deal=closed, amount=Decimal("700.00"), by=seller)
    client.force_login(seller)

    response = client.get("/deals/")

    assert response.status_code == 200
    columns = {c.stage.code: [d.pk for d in c.deals] for c in response.context["columns"]}
    assert columns == {
        "proposal": [mine.pk],
        "meeting": [moved.pk],
        "negotiation": [],
        "contract": [],
    }
    page = response.content.decode()
    assert "Someone else&#x27;s" not in page
    assert f'data-move-url="/deals/{mine.pk}/move/"' in page  # drag and drop posts here
    assert "Closed one" in page  # recently closed
    assert [r["revenue"] for r in response.context["revenue"]] == [Decimal("700.00")]


def test_managers_and_marketing_see_every_deal_and_can_filter(
    client, make_deal, seller, other_seller, marketer
):
    mine = make_deal(seller)
    theirs = make_deal(other_seller)
    client.force_login(marketer)
    cards = [d.pk for c in client.get("/deals/").context["columns"] for d in c.deals]
    assert sorted(cards) == sorted([mine.pk, theirs.pk])
    filtered = client.get(f"/deals/?owner={seller.pk}").context["columns"]
    assert [d.pk for c in filtered for d in c.deals] == [mine.pk]


def test_board_buttons_say_what_the_matrix_allows(client, make_deal, seller, set_letter):
    deal = deal_move(deal=make_deal(seller), stage="meeting", by=seller)
    set_letter("negotiation", "sales", "C")
    client.force_login(seller)

    card = client.get("/deals/").context["columns"][1].deals[0]

    assert card.pk == deal.pk
    assert card.move_back.allowed is True
    assert card.move_forward.allowed is False
    assert "Responsible or Accountable" in card.move_forward.problems[0]


def test_moving_from_the_board(client, make_deal, seller, set_letter):
    deal = make_deal(seller)
    client.force_login(seller)

    response = client.post(
        f"/deals/{deal.pk}/move/", {"stage": "meeting", "next": "/deals/?owner="}
    )
    assert response.status_code == 302
    assert response["Location"] == "/deals/?owner="
    deal.refresh_from_db()
    assert deal.stage.code == "meeting"

    set_letter("contract", "sales", "I")
    response = client.post(f"/deals/{deal.pk}/move/", {"stage": "contract"}, follow=True)
    assert b"Responsible or Accountable" in response.content
    deal.refresh_from_db()
    assert deal.stage.code == "meeting"

    response = client.post(
        f"/deals/{deal.pk}/move/", {"stage": "meeting", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/deals/{deal.pk}/"


def test_deal_page_shows_the_trail_back_to_the_lead(client, make_deal, seller):
    deal = make_deal(seller)
    deal = deal_move(deal=deal, stage="meeting", by=seller)
    payment_record(deal=deal, amount=Decimal("123.45"), by=seller)
    client.force_login(seller)

    page = client.get(f"/deals/{deal.pk}/").content.decode()

    assert f'href="/leads/{deal.lead_id}/"' in page
    assert "Website" in page  # the lead's channel
    assert "123.45" in page
    assert "Commercial proposal → <strong>Meeting</strong>" in page


def test_deal_pages_are_404_for_a_colleague(client, make_deal, seller, other_seller):
    deal = make_deal(seller)
    client.force_login(other_seller)
    assert client.get(f"/deals/{deal.pk}/").status_code == 404
    for action, data in [
        ("move", {"stage": "meeting"}),
        ("payments", {"amount": "1"}),
        ("close", {"outcome": "won"}),
        ("edit", {"title": "x", "amount": "1"}),
        ("sign-off", {"stage": "proposal"}),
        ("request-sign-off", {}),
        ("repeat", {"title": "x", "amount": "1"}),
    ]:
        assert client.post(f"/deals/{deal.pk}/{action}/", data).status_code == 404, action
    deal.refresh_from_db()
    assert (deal.stage.code, deal.status, deal.title) == ("proposal", "open", "CRM licences")


def test_marketing_may_not_take_payments_or_close(client, make_deal, seller, marketer):
    deal = make_deal(seller)
    client.force_login(marketer)
    assert client.get(f"/deals/{deal.pk}/").status_code == 200
    assert client.post(f"/deals/{deal.pk}/payments/", {"amount": "5"}).status_code == 403
    assert client.post(f"/deals/{deal.pk}/close/", {"outcome": "won"}).status_code == 403
    assert not Payment.objects.exists()


def test_payments_from_the_deal_page(client, make_deal, seller):
    deal = make_deal(seller)
    client.force_login(seller)

    response = client.post(f"/deals/{deal.pk}/payments/", {"amount": "0"}, follow=True)
    assert b"above zero" in response.content
    response = client.post(
        f"/deals/{deal.pk}/payments/", {"amount": "10", "paid_on": "2099-01-01"}, follow=True
    )
    assert b"in the future" in response.content
    for outside in ["2999-01-01", "0001-01-01"]:
        response = client.post(
            f"/deals/{deal.pk}/payments/", {"amount": "10", "paid_on": outside}, follow=True
        )
        assert b"the date paid" in response.content
    assert not Payment.objects.exists()

    client.post(f"/deals/{deal.pk}/payments/", {"amount": "250.00", "paid_on": "2026-01-15"})
    payment = Payment.objects.get()
    assert (payment.amount, payment.paid_at.date().isoformat()) == (Decimal("250.00"), "2026-01-15")

    deal_close(deal=deal, outcome="lost", reason="price", by=seller)
    response = client.post(f"/deals/{deal.pk}/payments/", {"amount": "1"}, follow=True)
    assert b"lost deal takes no payments" in response.content
    assert Payment.objects.count() == 1


def test_closing_from_the_deal_page(client, make_deal, seller):
    deal = make_deal(seller)
    client.force_login(seller)

    response = client.post(f"/deals/{deal.pk}/close/", {"outcome": "lost"}, follow=True)
    assert b"needs a reason" in response.content
    deal.refresh_from_db()
    assert deal.status == "open"

    client.post(f"/deals/{deal.pk}/close/", {"outcome": "lost", "reason": "no_decision"})
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason.code) == ("lost", "no_decision")


def test_editing_and_a_repeat_sale_from_the_deal_page(client, make_deal, seller):
    deal = make_deal(seller)
    client.force_login(seller)

    response = client.post(f"/deals/{deal.pk}/edit/", {"title": "", "amount": "5"}, follow=True)
    assert b"Give the deal a title" in response.content
    client.post(
        f"/deals/{deal.pk}/edit/",
        {"title": "Bigger deal", "amount": "9000", "expected_close_on": "2030-01-31"},
    )
    deal.refresh_from_db()
    assert (deal.title, deal.amount, str(deal.expected_close_on)) == (
        "Bigger deal",
        Decimal("9000"),
        "2030-01-31",
    )

    response = client.post(f"/deals/{deal.pk}/repeat/", {"title": "Again", "amount": "10"})
    assert response["Location"] == f"/deals/{deal.pk}/"  # not won yet: refused
    deal_close(deal=deal, outcome="won", by=seller)
    response = client.post(f"/deals/{deal.pk}/repeat/", {"title": "Again", "amount": "10"})
    repeat = Deal.objects.get(previous_deal=deal)
    assert response["Location"] == f"/deals/{repeat.pk}/"
    assert b"Repeat sale after" in client.get(response["Location"]).content


def test_signoffs_on_the_deal_page(client, make_deal, seller, require_signoff):
    head = UserFactory(role="marketing", is_head=True)
    deal = make_deal(seller)
    require_signoff("proposal", "marketing")
    client.force_login(seller)

    page = client.get(f"/deals/{deal.pk}/")
    assert [s["department"] for s in page.context["missing_signoffs"]] == ["marketing"]
    meeting = next(m for m in page.context["moves"] if m.stage.code == "meeting")
    assert meeting.allowed is False
    client.post(f"/deals/{deal.pk}/request-sign-off/")
    assert Notification.objects.filter(recipient=head, link=f"/deals/{deal.pk}/").exists()

    client.force_login(head)
    board = client.get("/deals/")
    assert [d.pk for d in board.context["awaiting"]] == [deal.pk]
    client.post(f"/deals/{deal.pk}/sign-off/", {"stage": "proposal", "note": "Prices checked"})

    client.force_login(seller)
    page = client.get(f"/deals/{deal.pk}/")
    assert page.context["missing_signoffs"] == []
    assert b"Prices checked" in page.content
    client.post(f"/deals/{deal.pk}/move/", {"stage": "meeting"})
    deal.refresh_from_db()
    assert deal.stage.code == "meeting"


def test_navigation_has_the_board_and_the_matrix_for_everyone(client, seller, marketer, manager):
    for user in (seller, marketer, manager):
        client.force_login(user)
        urls = [item["url"] for item in client.get("/deals/").context["nav_items"]]
        assert "/deals/" in urls
        assert "/matrix/" in urls


def test_board_and_deal_page_in_russian(client, make_deal, seller):
    deal = make_deal(seller)
    client.force_login(seller)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/deals/"})
    assert client.get("/deals/").status_code == 200
    assert client.get(f"/deals/{deal.pk}/").status_code == 200


def test_the_lead_page_links_to_its_deal(client, make_deal, seller):
    deal = make_deal(seller)
    client.force_login(seller)
    page = client.get(f"/leads/{deal.lead_id}/").content.decode()
    assert f'href="/deals/{deal.pk}/"' in page


def test_a_payment_above_the_deal_amount_asks_first(client, make_deal, seller):
    deal = make_deal(seller, amount="250000.00")
    client.force_login(seller)
    response = client.post(f"/deals/{deal.pk}/payments/", {"amount": "9000000"})
    assert response.status_code == 200
    assert b"confirm_over" in response.content
    assert not Payment.objects.exists()
    client.post(f"/deals/{deal.pk}/payments/", {"amount": "9000000", "confirm_over": "1"})
    assert Payment.objects.get().amount == Decimal("9000000")


def test_void_a_payment_from_the_deal_page(client, make_deal, seller, other_seller):
    deal = make_deal(seller, amount="100.00")
    payment = payment_record(deal=deal, amount=Decimal("90.00"), by=seller)
    url = f"/deals/{deal.pk}/payments/{payment.pk}/void/"
    client.force_login(other_seller)
    assert client.post(url, {"reason": "x"}).status_code == 404
    client.force_login(seller)
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert url in page and "data-confirm" in page
    client.post(url, {"reason": ""})
    assert Payment.objects.counted().count() == 1
    response = client.post(url, {"reason": "entered twice"}, follow=True)
    assert Payment.objects.counted().count() == 0
    assert "voided" in response.content.decode()
    assert response.context["deal"].paid_total == Decimal("0")
