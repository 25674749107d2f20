"""The admin: management edits periods through the service; nobody edits a statement."""

from decimal import Decimal

import pytest
from django.urls import reverse

from kpi import services
from kpi.models import Period, Statement
from tests.kpi.bonus_data import BonusData

pytestmark = pytest.mark.django_db


def _period_post(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "starts_on": "2025-04-01",
        "ends_on": "2025-04-30",
        "revenue_goal": "5000.00",
        "pool_percent": "10",
        "marketing_share": "40",
        "weight_revenue": "50",
        "weight_sla": "15",
        "weight_hygiene": "15",
        "weight_communication": "10",
        "weight_objections": "10",
        "weight_team": "50",
        "weight_deals": "50",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-0-attainment": "0",
        "steps-0-multiplier": "1",
        "steps-1-attainment": "1",
        "steps-1-multiplier": "1.5",
    }
    data.update(changes)
    return data


def test_management_adds_a_period_through_the_service(client, manager) -> None:
    client.force_login(manager)
    response = client.post(reverse("admin:kpi_period_add"), _period_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    period = Period.objects.get()
    assert period.created_by == manager
    assert list(period.steps.values_list("attainment", "multiplier")) == [
        (Decimal("0"), Decimal("1")),
        (Decimal("1"), Decimal("1.5")),
    ]


@pytest.mark.parametrize(
    "changes",
    [
        {"ends_on": "2025-03-01"},
        {"pool_percent": "150"},
        {"steps-0-attainment": "0.5"},
        {"steps-1-attainment": "0"},
    ],
)
def test_bad_periods_in_the_admin_are_refused_with_nothing_written(
    client, manager, changes: dict
) -> None:
    client.force_login(manager)
    response = client.post(reverse("admin:kpi_period_add"), _period_post(**changes))
    assert response.status_code == 200  # the form again, with the error
    assert not Period.objects.exists()


def test_an_overlapping_period_in_the_admin_is_refused(client, bonus_data: BonusData) -> None:
    client.force_login(bonus_data.manager)
    response = client.post(reverse("admin:kpi_period_add"), _period_post(starts_on="2025-03-31"))
    assert response.status_code == 200
    assert b"overlaps another period" in response.content
    assert Period.objects.count() == 1


def test_nobody_edits_or_deletes_a_statement_in_the_admin(client, bonus_data: BonusData) -> None:
    d = bonus_data
    statement = services.statement_create(period=d.period, by=d.manager)
    services.statement_approve(statement=statement, by=d.manager)
    client.force_login(d.manager)
    change = reverse("admin:kpi_statement_change", args=[statement.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(change, {"pool": "1.00", "status": "draft"}).status_code == 403
    delete = reverse("admin:kpi_statement_delete", args=[statement.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:kpi_statement_add")).status_code == 403
    statement.refresh_from_db()
    assert statement.status == Statement.Status.APPROVED and statement.pool == Decimal("180.00")
    # The changelist's bulk delete action is not offered either.
    changelist = client.get(reverse("admin:kpi_statement_changelist"))
    assert b"delete_selected" not in changelist.content
