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


# Inlines of rows only the application writes: a payment, a stage change or approval, a brief's
# history, a statement's lines, a lead definition's criteria.
READ_ONLY_INLINES = {
    "deals.Deal": {"PaymentInline", "StageChangeInline", "StageApprovalInline"},
    "feedback.Brief": {"BriefEventInline"},
    "kpi.Statement": {"LineInline"},
    "leads.LeadDefinition": {"CriterionInline"},
}


def test_read_only_inlines_stay_read_only_even_for_a_superuser(rf):
    from org.admin_scope import ReadOnlyInline
    from org.models import User

    request = rf.get("/admin/")
    request.user = User.objects.create_superuser("root", "r@example.com", "x-pass-12345")
    found: dict[str, set[str]] = {}
    for model, model_admin in admin.site._registry.items():
        for inline in model_admin.get_inline_instances(request):
            if isinstance(inline, ReadOnlyInline):
                found.setdefault(model._meta.label, set()).add(type(inline).__name__)
                # the inline's own signature: has_add_permission(request, obj)
                assert not inline.has_add_permission(request, None), inline
                assert not inline.has_change_permission(request, None), inline
                assert not inline.has_delete_permission(request, None), inline
                formset = inline.get_formset(request, None)
                assert (formset.extra, formset.max_num, formset.can_delete) == (0, 0, False)
    assert found == READ_ONLY_INLINES


def test_read_only_mixin_answers_a_model_admins_one_argument_call(rf):
    from kpi.models import Rating
    from org.models import User

    request = rf.get("/admin/")
    request.user = User.objects.create_superuser("root", "r@example.com", "x-pass-12345")
    model_admin = admin.site._registry[Rating]
    assert not model_admin.has_add_permission(request)  # ModelAdmin's signature
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
