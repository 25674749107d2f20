"""The bonus pages: who sees what, the same services behind every button, fixed queries."""

import pytest
from django.urls import reverse

from kpi import services
from kpi.models import Rating, Statement
from tests.conftest import Count, count_queries
from tests.factories import UserFactory
from tests.kpi.bonus_data import BonusData

pytestmark = pytest.mark.django_db


def _get(client, user, url: str, **params: str):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.get(url, params)


def test_dashboard_is_for_managers(client, bonus_data: BonusData) -> None:
    d = bonus_data
    url = reverse("kpi:period", args=[d.period.pk])
    page = _get(client, d.manager, url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'aria-valuenow="100"' in html  # 1200 of 1000: the bar is full
    assert "120.0%" in html  # attainment
    assert "180.00" in html and "72.00" in html and "108.00" in html  # pool so far
    assert "65.65" in html  # the leaderboard
    for user in (d.s1, d.sh, d.m1):
        assert _get(client, user, url).status_code == 403
    assert _get(client, d.manager, reverse("kpi:period", args=[999999])).status_code == 404


def test_bonus_home_sends_each_role_to_its_page(client, bonus_data: BonusData) -> None:
    d = bonus_data
    # The demo period lies in the past: the latest started period is "current".
    assert _get(client, d.manager, reverse("kpi:bonus")).url == reverse(
        "kpi:period", args=[d.period.pk]
    )
    assert _get(client, d.s1, reverse("kpi:bonus")).url == reverse(
        "kpi:my_bonus", args=[d.period.pk]
    )


def test_navigation_has_the_bonus_link_for_every_role(client, bonus_data: BonusData) -> None:
    for user in (bonus_data.manager, bonus_data.s1, bonus_data.m1):
        page = _get(client, user, reverse("kpi:funnel"))
        assert reverse("kpi:bonus").encode() in page.content


def test_my_bonus_shows_only_my_line(client, bonus_data: BonusData) -> None:
    d = bonus_data
    url = reverse("kpi:my_bonus", args=[d.period.pk])
    html = _get(client, d.s1, url).content.decode()
    assert "65.65" in html and "42.35" not in html and "36.00" not in html
    assert "not approved yet" in html
    # After approval the approved line is shown; later ratings do not move it.
    statement = services.statement_create(period=d.period, by=d.manager)
    services.statement_approve(statement=statement, by=d.manager)
    services.rating_set(period=d.period, user=d.s1, communication=0, objections=0, by=d.sh)
    html = _get(client, d.s1, url).content.decode()
    assert "Approved bonus" in html and "65.65" in html and "42.35" not in html
    marketer = _get(client, d.m1, url).content.decode()
    assert "36.00" in marketer and "65.65" not in marketer
    assert _get(client, d.manager, url).status_code == 403


def test_rating_form(client, bonus_data: BonusData) -> None:
    d = bonus_data
    url = reverse("kpi:ratings", args=[d.period.pk])
    assert _get(client, d.s1, url).status_code == 403
    assert _get(client, d.mh, url).status_code == 403
    assert _get(client, d.sh, url).status_code == 200
    # The head of sales finds the form from their own bonus page.
    mine = _get(client, d.sh, reverse("kpi:my_bonus", args=[d.period.pk])).content.decode()
    assert (
        url in mine
        and url
        not in _get(client, d.s1, reverse("kpi:my_bonus", args=[d.period.pk])).content.decode()
    )
    client.force_login(d.sh)
    good = {
        f"communication-{d.s1.pk}": "90",
        f"objections-{d.s1.pk}": "70",
        f"comment-{d.s1.pk}": "Listens well.",
    }
    # One bad row: nothing saved, 400, the form again.
    bad = {**good, f"communication-{d.s2.pk}": "101", f"objections-{d.s2.pk}": "5"}
    response = client.post(url, bad)
    assert response.status_code == 400
    assert Rating.objects.get(period=d.period, user=d.s1).communication == 80
    response = client.post(url, good)
    assert response.status_code == 302
    rating = Rating.objects.get(period=d.period, user=d.s1)
    assert (rating.communication, rating.objections, rating.comment) == (90, 70, "Listens well.")


def test_statement_page_scope_approve_and_csv(client, bonus_data: BonusData) -> None:
    d = bonus_data
    # A name a spreadsheet would run as a formula.
    d.s2.first_name, d.s2.last_name = "=HYPERLINK(1)", ""
    d.s2.save()
    client.force_login(d.manager)
    response = client.post(reverse("kpi:statement_create", args=[d.period.pk]))
    statement = Statement.objects.get()
    assert response.url == reverse("kpi:statement", args=[statement.pk])
    url = reverse("kpi:statement", args=[statement.pk])
    html = client.get(url).content.decode()
    assert "65.65" in html and "42.35" in html and "Approve and lock" in html
    assert _get(client, d.s1, url).status_code == 404  # a draft is management's alone

    csv = _get(client, d.manager, url, export="csv")
    body = b"".join(csv.streaming_content).decode()  # type: ignore[attr-defined]
    assert "'=HYPERLINK(1)" in body and "\n=HYPERLINK" not in body

    client.force_login(d.s1)
    assert client.post(reverse("kpi:statement_approve", args=[statement.pk])).status_code == 403
    client.force_login(d.manager)
    client.post(reverse("kpi:statement_approve", args=[statement.pk]))
    statement.refresh_from_db()
    assert statement.status == Statement.Status.APPROVED
    again = client.post(reverse("kpi:statement_approve", args=[statement.pk]), follow=True)
    assert b"can no longer change" in again.content

    mine = _get(client, d.s1, url).content.decode()
    assert "65.65" in mine and "42.35" not in mine and "Approve and lock" not in mine
    own_csv = b"".join(_get(client, d.s1, url, export="csv").streaming_content).decode()  # type: ignore[attr-defined]
    assert "65.65" in own_csv and "42.35" not in own_csv


def test_statement_for_nobody_shows_a_message(client, manager) -> None:
    from tests.kpi.bonus_data import MARCH

    period = services.period_create(scheme=MARCH, by=manager)
    client.force_login(manager)
    response = client.post(reverse("kpi:statement_create", args=[period.pk]), follow=True)
    assert b"no one to pay" in response.content
    assert not Statement.objects.exists()


def test_statement_page_queries_do_not_grow_with_lines(client, bonus_data: BonusData) -> None:
    # session + user + notifications badge, the statement with its period, its lines with
    # their people: the same for 6 lines and for 16.
    d = bonus_data
    client.force_login(d.manager)
    few = services.statement_create(period=d.period, by=d.manager)
    for _ in range(10):
        UserFactory(role="sales")
    many = services.statement_create(period=d.period, by=d.manager)
    assert many.lines.count() == few.lines.count() + 10
    one = count_queries(lambda: client.get(reverse("kpi:statement", args=[few.pk])))
    more = count_queries(lambda: client.get(reverse("kpi:statement", args=[many.pk])))
    assert more == Count(one.queries, one.rows + 10)  # ten more lines, the same queries


def test_dashboard_queries_do_not_grow_with_people(client, bonus_data: BonusData) -> None:
    # the scorecard's fixed aggregates, the steps, the period switcher and the statements
    d = bonus_data
    client.force_login(d.manager)
    url = reverse("kpi:period", args=[d.period.pk])
    before = count_queries(lambda: client.get(url))
    for _ in range(5):
        UserFactory(role="sales")
        UserFactory(role="marketing")
    services.statement_create(period=d.period, by=d.manager)
    services.statement_create(period=d.period, by=d.manager)
    after = count_queries(lambda: client.get(url))
    # Ten more people in the KPI tables and the leaderboard, two statements listed.
    assert after == Count(before.queries, before.rows + 2 * 10 + 2)
