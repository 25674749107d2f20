"""Lists that stay fast at a million leads: ids first, no exact COUNT(*), links kept."""

import base64

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads import selectors
from org import paging
from tests.conftest import rows_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def leads(make_lead):  # type: ignore[no-untyped-def]
    return [make_lead() for _ in range(7)]


def test_narrow_page_is_the_same_page_as_django_paginators(manager, leads):
    queryset = selectors.lead_list(user=manager)
    for number in (1, 2, 3):
        page = paging.narrow_page(queryset, number=number, size=3)
        expected = Paginator(queryset, 3).page(number)
        assert [lead.pk for lead in page] == [lead.pk for lead in expected]
        assert page.has_next() == expected.has_next()
        assert page.has_previous() == expected.has_previous()


def test_capped_count_stops_at_the_cap(manager, leads):
    queryset = selectors.lead_list(user=manager)
    assert paging.capped_count(queryset, cap=10) == (7, True)
    assert paging.capped_count(queryset, cap=5) == (5, False)


def test_api_pages_have_links_and_no_count(as_user, manager, leads):
    first = as_user(manager).get("/api/v1/leads/?page_size=3").json()
    assert set(first) == {"next", "previous", "results"}
    assert first["previous"] is None and "page=2" in first["next"]
    second = as_user(manager).get(first["next"]).json()
    assert "page=3" in second["next"] and "page=" not in second["previous"]
    third = as_user(manager).get(second["next"]).json()
    assert third["next"] is None and "page=2" in third["previous"]
    ids = [row["id"] for page in (first, second, third) for row in page["results"]]
    assert ids == [lead.pk for lead in sorted(leads, key=lambda x: x.pk, reverse=True)]


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99"])
def test_api_page_out_of_range_is_404(as_user, manager, leads, page):
    assert as_user(manager).get(f"/api/v1/leads/?page={page}").status_code == 404


def test_api_deep_page_costs_the_same_queries_as_the_first(as_user, manager, leads):
    client = as_user(manager)
    client.get("/api/v1/leads/?page_size=2")  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as first:
        assert rows_in(client.get("/api/v1/leads/?page_size=2")) == 2
    with CaptureQueriesContext(connection) as deep:
        assert rows_in(client.get("/api/v1/leads/?page_size=2&page=3")) == 2
    assert len(first.captured_queries) == len(deep.captured_queries)
    assert not any("COUNT(" in q["sql"].upper() for q in deep.captured_queries)


def test_lead_list_page_says_more_than_past_the_cap(client, manager, leads, monkeypatch):
    client.force_login(manager)
    monkeypatch.setattr(paging.capped_count, "__defaults__", (5,))
    page = client.get("/leads/")
    assert page.status_code == 200
    assert "more than 5" in page.content.decode()
    assert page.context["pages"] is None
    monkeypatch.setattr(paging.capped_count, "__defaults__", (10_000,))
    page = client.get("/leads/?page=1")
    assert page.context["total"] == 7 and page.context["pages"] == 1


def test_queue_page_counts_up_to_the_cap(client, seller, leads, monkeypatch):
    client.force_login(seller)
    monkeypatch.setattr(paging.capped_count, "__defaults__", (5,))
    page = client.get("/leads/queue/")
    assert "more than 5" in page.content.decode()


def _follow(client, url):  # type: ignore[no-untyped-def]
    """Every page of the API list by its next links: ids per page, and the links."""
    pages, links = [], []
    while url:
        body = client.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        links.append(url)
        url = body["next"]
    return pages, links


def test_next_links_carry_the_position_and_give_the_pages_by_number(
    as_user, manager, leads, make_lead
):
    client = as_user(manager)
    make_lead()  # 8 leads: pages of 3, 3, 2
    by_cursor, links = _follow(client, "/api/v1/leads/?page_size=3")
    by_number = [
        [row["id"] for row in client.get(f"/api/v1/leads/?page_size=3&page={n}").json()["results"]]
        for n in (1, 2, 3)
    ]
    assert by_cursor == by_number and [len(p) for p in by_cursor] == [3, 3, 2]
    assert "page=2" in links[1] and f"{paging.CURSOR_PARAM}=" in links[1]
    previous = client.get(links[2]).json()["previous"]
    assert "page=2" in previous and f"{paging.CURSOR_PARAM}=" not in previous


def test_a_new_lead_does_not_shift_the_next_page(as_user, manager, leads, make_lead):
    client = as_user(manager)
    first = client.get("/api/v1/leads/?page_size=3").json()
    make_lead()  # newest: by number, page 2 would now repeat the first page's last lead
    second = client.get(first["next"]).json()
    assert second["results"][0]["id"] == leads[-4].pk
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


@pytest.mark.parametrize(
    "after",
    [
        "garbage",
        "W10",
        "WyIyMDI1LTAxLTAxIiwgMV0",
        "WyJ4IiwxXQ",
        "WzEsMTAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMF0",
        "Ж",
        base64.urlsafe_b64encode(b"[" * 250).decode(),  # nested lists
        "A" * 1000,
    ],
)
def test_a_position_the_list_did_not_give_is_404_on_the_api_and_ignored_on_the_page(
    as_user, client, manager, leads, after
):
    assert as_user(manager).get(f"/api/v1/leads/?after={after}").status_code == 404
    client.force_login(manager)
    page = client.get(f"/leads/?page=2&after={after}&page_size=3")
    assert page.status_code == 200


def test_the_lead_list_pages_by_its_next_link(client, manager, make_lead, monkeypatch):
    import html
    import re

    from leads import views

    for _ in range(5):
        make_lead()
    client.force_login(manager)
    real = paging.narrow_page
    monkeypatch.setattr(views.paging, "narrow_page", lambda qs, **kw: real(qs, **{**kw, "size": 2}))
    first = client.get("/leads/")
    link = re.search(r'href="(\?[^"]*page=2&amp;after=[^"]+)"', first.content.decode())
    assert link is not None
    second = client.get("/leads/" + html.unescape(link.group(1)))
    by_number = client.get("/leads/?page=2")
    assert [lead.pk for lead in second.context["page"]] == [
        lead.pk for lead in by_number.context["page"]
    ]


def test_a_deep_page_by_its_position_sends_the_first_pages_queries(as_user, manager, leads):
    client = as_user(manager)
    client.get("/api/v1/leads/?page_size=2")  # warm caches
    with CaptureQueriesContext(connection) as first:
        body = client.get("/api/v1/leads/?page_size=2").json()
    with CaptureQueriesContext(connection) as deep:
        assert rows_in(client.get(body["next"])) == 2
    assert len(deep.captured_queries) == len(first.captured_queries)
    assert not any("OFFSET" in q["sql"].upper() for q in deep.captured_queries)


def test_the_pager_writes_only_the_filters_there_are(client, manager, make_lead):
    for _ in range(51):
        make_lead()
    client.force_login(manager)
    plain = client.get("/leads/").content.decode()
    assert 'href="?page=2&amp;after=' in plain and "?&amp;" not in plain
    filtered = client.get("/leads/?status=new").content.decode()
    assert 'href="?status=new&amp;page=2&amp;after=' in filtered
