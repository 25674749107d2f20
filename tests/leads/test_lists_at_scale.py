"""Lists that stay fast at a million leads: ids first, no exact COUNT(*), links kept."""

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
