"""The board at scale: a column shows its true count and amount and its first cards, "show all"
opens the column alone page by page, the buttons' checks are shared where they must agree,
and the cards' ids come in one statement that returns what the ORM returns."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deals import rules, selectors, views
from deals.models import Deal, DealStage
from deals.services import deal_move, deal_sign_off
from tests.conftest import count_queries
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CARD = 'class="deal-card"'


def aged(deals: list[Deal]) -> list[Deal]:
    """The deals a day apart at their stage, the first the longest there."""
    start = timezone.now() - timedelta(days=len(deals))
    for i, deal in enumerate(deals):
        Deal.objects.filter(pk=deal.pk).update(stage_changed_at=start + timedelta(days=i))
    return deals


def test_a_column_shows_its_first_cards_and_its_true_totals(client, make_deal, seller, monkeypatch):
    monkeypatch.setattr(selectors, "COLUMN_LIMIT", 2)
    proposal = aged([make_deal(seller, amount="100.00") for _ in range(3)])
    meeting = deal_move(deal=make_deal(seller, amount="7.00"), stage="meeting", by=seller)
    client.force_login(seller)

    response = client.get("/deals/")

    columns = {c.stage.code: c for c in response.context["columns"]}
    assert [d.pk for d in columns["proposal"].deals] == [proposal[0].pk, proposal[1].pk]
    assert (columns["proposal"].count, columns["proposal"].amount) == (3, Decimal("300.00"))
    assert [d.pk for d in columns["meeting"].deals] == [meeting.pk]
    page = response.content.decode()
    assert page.count(CARD) == 3
    assert 'href="?stage=proposal"' in page and "Show all 3" in page
    assert "?stage=meeting" not in page  # nothing hidden there


def test_show_all_opens_one_column_page_by_page(client, make_deal, seller, monkeypatch):
    monkeypatch.setattr(views, "BOARD_PAGE", 2)
    deals = aged([make_deal(seller) for _ in range(3)])
    deal_move(deal=make_deal(seller), stage="meeting", by=seller)
    client.force_login(seller)

    first = client.get("/deals/?stage=proposal")
    second = client.get("/deals/?stage=proposal&page=2")
    # the pager's "next" carries the first page's end (org.paging); followed, the same page
    link = re.search(
        r'href="(\?stage=proposal&amp;page=2&amp;after=[^"]+)"', first.content.decode()
    )
    assert link is not None
    followed = client.get("/deals/" + html.unescape(link.group(1)))
    assert [d.pk for d in followed.context["columns"][0].deals] == [deals[2].pk]

    assert [c.stage.code for c in first.context["columns"]] == ["proposal"]
    assert [d.pk for d in first.context["columns"][0].deals] == [deals[0].pk, deals[1].pk]
    assert [d.pk for d in second.context["columns"][0].deals] == [deals[2].pk]
    assert first.context["columns"][0].count == 3
    assert "Page 2 of 2" in second.content.decode()
    assert 'href="?">' in first.content.decode()  # back to every stage
    # a page past the end and an unknown stage are not errors
    assert client.get("/deals/?stage=proposal&page=9").status_code == 200
    unknown = client.get("/deals/?stage=nope")
    assert unknown.status_code == 200 and len(unknown.context["columns"]) == 4


def test_show_all_keeps_the_filters_and_the_scope(client, make_deal, seller, other_seller, manager):
    mine = make_deal(seller)
    theirs = make_deal(other_seller)
    client.force_login(seller)
    cards = client.get("/deals/?stage=proposal").context["columns"][0].deals
    assert [d.pk for d in cards] == [mine.pk]  # a salesperson's own deals only
    client.force_login(manager)
    both = client.get("/deals/?stage=proposal").context["columns"][0].deals
    assert sorted(d.pk for d in both) == sorted([mine.pk, theirs.pk])
    board = client.get(f"/deals/?owner={theirs.owner_id}")
    assert f'href="?owner={theirs.owner_id}&amp;stage=proposal"' not in board.content.decode()
    filtered = client.get(f"/deals/?owner={theirs.owner_id}&stage=proposal")
    assert [d.pk for d in filtered.context["columns"][0].deals] == [theirs.pk]


def test_one_column_costs_the_same_queries_for_1_and_n_deals(client, make_deal, seller):
    client.force_login(seller)
    make_deal(seller)
    one = count_queries(lambda: client.get("/deals/?stage=proposal"), row=CARD)
    assert one.rows == 1
    for _ in range(3):
        make_deal(seller)
    more = count_queries(lambda: client.get("/deals/?stage=proposal"), row=CARD)
    assert (more.queries, more.rows) == (one.queries, 4)


def test_first_ids_per_stage_are_the_orms_first_deals_of_each_stage(
    make_deal, seller, other_seller
):
    head = UserFactory(role="sales", is_head=True)
    for owner in (seller, other_seller, seller):
        deal_move(deal=make_deal(owner), stage="meeting", by=owner)
        make_deal(owner)
    aged(list(Deal.objects.order_by("pk")))
    stages = list(DealStage.objects.values_list("pk", flat=True))
    for scope in (selectors.deal_list(user=head), selectors.deal_list(user=seller)):
        open_deals = scope.filter(status=Deal.Status.OPEN)
        expected = [
            pk
            for stage in stages
            for pk in open_deals.filter(stage=stage)
            .order_by(*selectors.CARD_ORDER)
            .values_list("pk", flat=True)[:2]
        ]
        got = selectors.first_ids_per_stage(open_deals, stages, 2)
        assert sorted(got) == sorted(expected) and len(got) == len(expected)
    assert selectors.first_ids_per_stage(Deal.objects.all(), [], 2) == []


def test_shared_checks_are_each_deals_own_check(make_deal, seller, require_signoff, set_letter):
    """A sign-off given on some deals of a column: the cards with it and without it get
    different checks, each what check_move says for that deal."""
    deal_move(deal=make_deal(seller), stage="meeting", by=seller)
    require_signoff("proposal", "sales")
    deals = [make_deal(seller) for _ in range(4)]
    deal_sign_off(deal=deals[0], stage="proposal", by=seller)
    deal_sign_off(deal=deals[2], stage="proposal", by=seller)
    set_letter("contract", "sales", "I")
    stages = selectors.pipeline()
    cards = list(Deal.objects.prefetch_related("approvals").order_by("pk"))

    checks = rules.card_moves(cards, by=seller, stages=stages)

    by_pk = {s.pk: s for s in stages}
    for deal in cards:
        active = [s for s in stages if s.is_active]
        i = [s.pk for s in active].index(deal.stage_id)
        for check, to in (
            (deal.move_back, active[i - 1] if i else None),
            (deal.move_forward, active[i + 1] if i + 1 < len(active) else None),
        ):
            if to is None:
                assert check is None
                continue
            own = rules.check_move(
                deal=deal,
                to=by_pk[to.pk],
                by=seller,
                stages=stages,
                given=rules.given_signoffs(deal),
            )
            assert (check.allowed, check.problems, check.stage) == (
                own.allowed,
                own.problems,
                own.stage,
            )
    forward = {deal.pk: deal.move_forward.allowed for deal in cards[1:]}
    assert forward == {deals[0].pk: True, deals[1].pk: False, deals[2].pk: True, deals[3].pk: False}
    assert len(checks) < 2 * len(cards)  # shared, not one per card


def test_the_buttons_post_the_move_through_one_form(client, make_deal, seller):
    deal = make_deal(seller)
    client.force_login(seller)
    page = client.get("/deals/").content.decode()
    assert '<form id="card-move" method="post" hidden>' in page
    assert (
        f'form="card-move" formaction="/deals/{deal.pk}/move/" name="stage" value="meeting"' in page
    )


@pytest.mark.parametrize(("language", "shown"), [("en", "1,500 ·"), ("ru", "1\xa0500 ·")])
def test_a_column_head_writes_its_count_as_a_number_of_the_readers_language(
    client, make_deal, seller, monkeypatch, language, shown
):
    board = selectors.deal_board

    def counted(**kwargs):  # type: ignore[no-untyped-def]
        columns = board(**kwargs)
        columns[0].count = 1500
        return columns

    monkeypatch.setattr(selectors, "deal_board", counted)
    make_deal(seller)
    client.force_login(seller)
    page = client.get("/deals/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert shown in html.unescape(page)
