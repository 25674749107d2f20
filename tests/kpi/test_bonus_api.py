"""The joint bonus API: API.md "KPI and the joint bonus", codes per role, scope, queries."""

from datetime import date

import pytest

from kpi import services
from kpi.models import Period, Rating, Statement
from tests.conftest import Count, count_queries
from tests.factories import UserFactory
from tests.kpi.bonus_data import MARCH, BonusData

pytestmark = pytest.mark.django_db

PERIODS = "/api/v1/kpi/periods/"
STATEMENTS = "/api/v1/kpi/statements/"
APRIL = {
    "starts_on": "2025-04-01",
    "ends_on": "2025-04-30",
    "revenue_goal": "5000.00",
    "pool_percent": "10",
    "marketing_share": "40",
}


def test_management_creates_a_period_with_default_steps(as_user, manager) -> None:
    response = as_user(manager).post(PERIODS, APRIL, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open"
    assert body["steps"] == [{"attainment": "0.0000", "multiplier": "1.0000"}]
    assert (body["starts_on"], body["ends_on"], body["revenue_goal"]) == (
        "2025-04-01",
        "2025-04-30",
        "5000.00",
    )
    assert (body["pool_percent"], body["marketing_share"]) == ("10.00", "40.00")
    assert body["revenue"] == "0.00" and body["attainment"] == "0.0000"


@pytest.mark.parametrize(
    "changes",
    [
        {"ends_on": "2025-03-31"},
        {"pool_percent": "101"},
        {"marketing_share": "-1"},
        {"revenue_goal": "-5"},
        {"steps": [{"attainment": "0", "multiplier": "-1"}]},
        {"steps": [{"attainment": "0", "multiplier": "1"}, {"attainment": "0", "multiplier": "2"}]},
        {"steps": [{"attainment": "1", "multiplier": "1"}]},
        {"steps": "nope"},
        {"starts_on": "not a date"},
        {"revenue_goal": "NaN"},
        {"weights": {"revenue": "-1"}},
    ],
)
def test_bad_periods_are_400_and_nothing_is_written(as_user, manager, changes: dict) -> None:
    response = as_user(manager).post(PERIODS, {**APRIL, **changes}, format="json")
    assert response.status_code == 400, response.content
    assert not Period.objects.exists()


def test_an_overlapping_period_is_400(as_user, manager) -> None:
    services.period_create(scheme=MARCH, by=manager)
    response = as_user(manager).post(PERIODS, {**APRIL, "starts_on": "2025-03-31"}, format="json")
    assert response.status_code == 400
    assert "starts_on" in response.json()


@pytest.mark.parametrize("role", ["marketing", "sales"])
def test_only_management_creates_periods_and_statements(as_user, role: str, manager) -> None:
    user = UserFactory(role=role, is_head=True)
    assert as_user(user).post(PERIODS, APRIL, format="json").status_code == 403
    period = services.period_create(scheme=MARCH, by=manager)
    assert as_user(user).post(f"{PERIODS}{period.pk}/statements/").status_code == 403
    assert as_user(user).get(f"{PERIODS}{period.pk}/").status_code == 200


def test_anonymous_is_401(api) -> None:
    assert api.get(PERIODS).status_code == 401


def test_period_detail_has_revenue_and_attainment(as_user, bonus_data: BonusData) -> None:
    body = as_user(bonus_data.s1).get(f"{PERIODS}{bonus_data.period.pk}/").json()
    assert (body["revenue"], body["attainment"]) == ("1200.00", "1.2000")
    assert as_user(bonus_data.s1).get(f"{PERIODS}999999/").status_code == 404


def test_scorecard_matches_the_contract(as_user, bonus_data: BonusData) -> None:
    d = bonus_data
    body = as_user(d.m2).get(f"{PERIODS}{d.period.pk}/scorecard/").json()
    assert body["marketing"] == {
        "leads": 6,
        "upheld_disputes": 1,
        "counted_leads": 5,
        "deals": 3,
        "lead_to_deal_rate": "0.6000",
    }
    assert {row["user"] for row in body["sales"]} == {d.s1.pk, d.s2.pk, d.sh.pk}


def test_ratings_by_role(as_user, bonus_data: BonusData) -> None:
    d = bonus_data
    url = f"{PERIODS}{d.period.pk}/ratings/{d.s2.pk}/"
    good = {"communication": 70, "objections": 90, "comment": "Calm with price objections."}
    assert as_user(d.s1).put(url, good, format="json").status_code == 403
    assert as_user(d.mh).put(url, good, format="json").status_code == 403
    response = as_user(d.sh).put(url, good, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["communication"] == 70
    assert as_user(d.manager).put(url, good, format="json").status_code == 200
    for bad in ({**good, "communication": 101}, {**good, "objections": -1}, {"comment": "x"}):
        assert as_user(d.sh).put(url, bad, format="json").status_code == 400
    not_sales = f"{PERIODS}{d.period.pk}/ratings/{d.m1.pk}/"
    assert as_user(d.sh).put(not_sales, good, format="json").status_code == 400
    nobody = f"{PERIODS}{d.period.pk}/ratings/987654/"
    assert as_user(d.sh).put(nobody, good, format="json").status_code == 400
    assert (
        as_user(d.sh).put(f"{PERIODS}987654/ratings/{d.s2.pk}/", good, format="json").status_code
        == 404
    )
    assert Rating.objects.get(period=d.period, user=d.s2).objections == 90


def test_statement_create_approve_and_the_409s(as_user, bonus_data: BonusData) -> None:
    d = bonus_data
    client = as_user(d.manager)
    response = client.post(f"{PERIODS}{d.period.pk}/statements/")
    assert response.status_code == 201, response.content
    first = response.json()
    assert (first["version"], first["status"]) == (1, "draft")
    assert (first["pool"], first["marketing_pool"], first["sales_pool"]) == (
        "180.00",
        "72.00",
        "108.00",
    )
    assert (first["revenue"], first["attainment"], first["multiplier"]) == (
        "1200.00",
        "1.2000",
        "1.5000",
    )
    lines = {line["user"]: line for line in first["lines"]}
    assert lines[d.s1.pk]["amount"] == "65.65" and lines[d.s1.pk]["department"] == "sales"
    assert isinstance(lines[d.s1.pk]["breakdown"], dict)
    second = client.post(f"{PERIODS}{d.period.pk}/statements/").json()
    assert second["version"] == 2

    # Only management approves.
    assert as_user(d.sh).post(f"{STATEMENTS}{first['id']}/approve/").status_code == 403
    response = client.post(f"{STATEMENTS}{first['id']}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    # Twice, or a second statement of the period -> 409.
    assert client.post(f"{STATEMENTS}{first['id']}/approve/").status_code == 409
    assert client.post(f"{STATEMENTS}{second['id']}/approve/").status_code == 409
    assert Statement.objects.get(pk=second["id"]).status == "draft"


def test_statement_with_no_members_is_400(as_user, manager) -> None:
    period = services.period_create(scheme=MARCH, by=manager)
    assert as_user(manager).post(f"{PERIODS}{period.pk}/statements/").status_code == 400
    assert not Statement.objects.exists()


def test_statement_scope(as_user, bonus_data: BonusData) -> None:
    d = bonus_data
    draft = services.statement_create(period=d.period, by=d.manager)
    # A draft is management's alone.
    assert as_user(d.s1).get(f"{STATEMENTS}{draft.pk}/").status_code == 404
    assert as_user(d.s1).get(STATEMENTS).json()["results"] == []
    manager_view = as_user(d.manager).get(f"{STATEMENTS}{draft.pk}/").json()
    assert len(manager_view["lines"]) == 6
    services.statement_approve(statement=draft, by=d.manager)
    mine = as_user(d.s1).get(f"{STATEMENTS}{draft.pk}/").json()
    assert [line["user"] for line in mine["lines"]] == [d.s1.pk]
    listed = as_user(d.m2).get(STATEMENTS, {"period": d.period.pk}).json()["results"]
    assert [[line["user"] for line in s["lines"]] for s in listed] == [[d.m2.pk]]
    assert as_user(d.m2).get(STATEMENTS, {"period": "x"}).status_code == 400
    other = services.period_create(
        scheme=services.Scheme(
            **{**MARCH.__dict__, "starts_on": date(2025, 5, 1), "ends_on": date(2025, 5, 31)}
        ),
        by=d.manager,
    )
    assert as_user(d.manager).get(STATEMENTS, {"period": other.pk}).json()["results"] == []


def test_close_period(as_user, bonus_data: BonusData) -> None:
    d = bonus_data
    url = f"{PERIODS}{d.period.pk}/close/"
    assert as_user(d.sh).post(url).status_code == 403
    assert as_user(d.manager).post(url).status_code == 400  # nothing approved yet
    statement = services.statement_create(period=d.period, by=d.manager)
    services.statement_approve(statement=statement, by=d.manager)
    assert as_user(d.manager).post(url).json()["status"] == "closed"
    assert as_user(d.manager).post(url).status_code == 409


def test_period_list_queries_do_not_grow(as_user, manager) -> None:
    # count + page + steps prefetch + one grouped sum of revenue for the whole page
    client = as_user(manager)
    services.period_create(scheme=MARCH, by=manager)
    one = count_queries(lambda: client.get(PERIODS))
    assert one == Count(4, rows=1)
    for month in (5, 6, 7, 8):
        services.period_create(
            scheme=services.Scheme(
                **{
                    **MARCH.__dict__,
                    "starts_on": date(2025, month, 1),
                    "ends_on": date(2025, month, 20),
                }
            ),
            by=manager,
        )
    assert count_queries(lambda: client.get(PERIODS)) == Count(4, rows=5)


def test_statement_list_queries_do_not_grow(as_user, bonus_data: BonusData) -> None:
    # count + page (with period) + lines prefetch (with user)
    d = bonus_data
    services.statement_create(period=d.period, by=d.manager)
    one = count_queries(lambda: as_user(d.manager).get(STATEMENTS))
    assert one == Count(3, rows=1)
    for _ in range(3):
        services.statement_create(period=d.period, by=d.manager)
    assert count_queries(lambda: as_user(d.manager).get(STATEMENTS)) == Count(3, rows=4)


def test_scorecard_is_a_fixed_number_of_queries(as_user, bonus_data: BonusData) -> None:
    # period + its steps + members + payments + leads + deals + ratings + campaign costs
    d = bonus_data
    url = f"{PERIODS}{d.period.pk}/scorecard/"
    before = as_user(d.manager).get(url).json()
    assert count_queries(lambda: as_user(d.manager).get(url)).queries == 8
    UserFactory(role="sales")
    UserFactory(role="marketing")
    assert count_queries(lambda: as_user(d.manager).get(url)).queries == 8
    after = as_user(d.manager).get(url).json()
    assert len(after["sales"]) == len(before["sales"]) + 1  # the new salesperson's row


def test_schema_describes_the_bonus_endpoints(api) -> None:
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/kpi/periods/",
        "/api/v1/kpi/periods/{id}/",
        "/api/v1/kpi/periods/{id}/scorecard/",
        "/api/v1/kpi/periods/{id}/ratings/{user_id}/",
        "/api/v1/kpi/periods/{id}/statements/",
        "/api/v1/kpi/statements/",
        "/api/v1/kpi/statements/{id}/",
        "/api/v1/kpi/statements/{id}/approve/",
    ):
        assert path in paths, path
