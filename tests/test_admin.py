"""Every admin page opens for every role that may see it (no 500s), and scope holds."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.authz import ADMIN_CODES, ADMIN_ROLES
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_every_admin_page_answers_each_role_exactly(client, role, seller, claimed):
    claimed(seller)
    client.force_login(UserFactory(role=role, is_staff=True))
    assert client.get("/admin/").status_code == 200
    registered = {model._meta.label for model in admin.site._registry}
    assert registered == set(ADMIN_CODES), "add the new admin's row to ADMIN_CODES"
    got, expected = {}, {}
    for model in admin.site._registry:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        got[opts.label] = f"{client.get(changelist).status_code}/{client.get(add).status_code}"
        expected[opts.label] = ADMIN_CODES[opts.label].split()[ADMIN_ROLES.index(role)]
    assert got == expected


def test_superuser_opens_every_changelist_and_change_page(client, seller, claimed):
    from org.models import User

    claimed(seller)
    client.force_login(User.objects.create_superuser("root", "r@example.com", "x-pass-12345"))
    for model in admin.site._registry:
        opts = model._meta
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert response.status_code == 200, opts.label
        first = model._default_manager.first()
        if first is not None:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            assert client.get(url).status_code == 200, url


def test_role_groups_are_visible_in_the_admin(client, manager):
    from org.models import User

    client.force_login(User.objects.create_superuser("root", "r@example.com", "x-pass-12345"))
    page = client.get("/admin/auth/group/").content.decode()
    for name in ("marketing", "sales", "management"):
        assert name in page


def test_sales_see_only_the_queue_and_their_own_leads_in_the_admin(
    client, seller, other_seller, claimed, make_lead
):
    mine = claimed(seller)
    theirs = claimed(other_seller)
    client.force_login(seller)
    page = client.get("/admin/leads/lead/").content.decode()
    assert f"/admin/leads/lead/{mine.pk}/change/" in page
    assert f"/admin/leads/lead/{theirs.pk}/change/" not in page
    assert client.get(f"/admin/leads/lead/{theirs.pk}/change/").status_code == 404  # not revealed


def test_changing_a_role_in_the_admin_moves_the_group(client):
    from org.models import User

    client.force_login(User.objects.create_superuser("root", "r@example.com", "x-pass-12345"))
    user = UserFactory(role="sales")
    response = client.post(
        f"/admin/org/user/{user.pk}/change/",
        {
            "username": user.username,
            "role": "marketing",
            "is_head": "on",
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "email": user.email,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    user.refresh_from_db()
    assert (user.role, user.is_head) == ("marketing", True)
    assert list(user.groups.values_list("name", flat=True)) == ["marketing"]
