"""Object scope on every admin view, built from the admin registry.

Every registered model x role (sales A, sales B, the sales head, marketing, management) x the
change list, change, delete and history pages -> the exact expected code. The object is "of
sales A" where the model has an owner (A's own, B's and the others' foreign), one shared row
otherwise. A model registered later is covered automatically: it fails here until its admin
declares ``object_scope`` and this file knows how to make one of its rows.
"""

from typing import Any

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse

from org.admin_scope import Scope
from org.models import Role
from org.roles import ROLE_PERMISSIONS
from tests.authz import BUILDERS, ROLES, World

pytestmark = pytest.mark.django_db

# Who sees a row of sales A's work. Shared models: everyone allowed to view the model.
VISIBLE_OWNED = {
    "sales_a": True,
    "sales_b": False,
    "sales_head": True,  # a head of sales sees the team (docs/api.md, Leads)
    "marketing": True,
    "management": True,
}

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower)


def _perms(model: type[models.Model], role: str) -> tuple[str, ...]:
    opts = model._meta
    group = Role.MANAGEMENT if role == "management" else role.split("_")[0]
    if group == "sales":
        group = Role.SALES
    return ROLE_PERMISSIONS.get(opts.app_label, {}).get(opts.model_name or "", {}).get(group, ())


def _row(model: type[models.Model], model_admin: Any, world: World) -> models.Model:
    label = model._meta.label_lower
    if model_admin.object_scope == Scope.SCOPED or label in BUILDERS:
        assert label in BUILDERS, f"{label}: add a builder for one of its rows to BUILDERS"
        return BUILDERS[label](world)
    row = model._default_manager.order_by("pk").first()
    assert row is not None, f"{label}: no row seeded; add a builder to BUILDERS"
    return row


def _state(row: models.Model) -> dict[str, Any]:
    skip = {"last_login"}  # logging in as the user under test
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.attname not in skip
    }


def _url(model: type[models.Model], view: str, *args: object) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def test_every_registered_admin_declares_its_object_scope() -> None:
    undeclared = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if getattr(model_admin, "object_scope", None) not in set(Scope)
    ]
    assert not undeclared, f"declare object_scope (org.admin_scope.Scope) on: {undeclared}"


@pytest.mark.parametrize(
    ("model", "model_admin"),
    REGISTRY,
    ids=[model._meta.label_lower for model, _ in REGISTRY],
)
def test_admin_views_answer_each_role_exactly(
    client: Any, make_lead: Any, claimed: Any, model: Any, model_admin: Any
) -> None:
    world = World(make_lead, claimed)
    row = _row(model, model_admin, world)
    scoped = model_admin.object_scope == Scope.SCOPED
    history = hasattr(model_admin, "history_form_view")
    history_rows = model.history.filter(**{model._meta.pk.attname: row.pk}) if history else None  # type: ignore[attr-defined]
    if history_rows is not None and not history_rows.exists():
        row.save()  # a seeded row has no history yet
    record = history_rows.first() if history_rows is not None else None
    before = _state(row)
    from django.test import RequestFactory

    codes: dict[tuple[str, str], tuple[int, int]] = {}
    for role in ROLES:
        user = world.users[role]
        perms = _perms(model, role)
        may_view = "view" in perms or "change" in perms
        visible = may_view and (VISIBLE_OWNED[role] if scoped else True)
        request = RequestFactory().get("/admin/")
        request.user = user
        may_delete = "delete" in perms and model_admin.has_delete_permission(request, row)
        expect = {
            "changelist": 200 if may_view else 403,
            "change": 403 if not may_view else 200 if visible else 404,
            "delete": 403 if not may_delete else 200 if visible else 404,
        }
        client.force_login(user)
        got = {
            "changelist": client.get(_url(model, "changelist")),
            "change": client.get(_url(model, "change", row.pk)),
            "delete": client.get(_url(model, "delete", row.pk)),
        }
        if history:
            expect["history"] = expect["change"]
            got["history"] = client.get(_url(model, "history", row.pk))
            assert record is not None, f"{model._meta.label}: no history row"
            version = _url(model, "simple_history", row.pk, record.history_id)
            expect["history_version"] = expect["change"]
            got["history_version"] = client.get(version)
            expect["revert"] = 403  # reverting is off for everyone
            got["revert"] = client.post(version, {})
        for view, response in got.items():
            codes[(role, view)] = (response.status_code, expect[view])
        if scoped and expect["changelist"] == 200:
            listed = _url(model, "change", row.pk) in got["changelist"].content.decode()
            assert listed == visible, (model._meta.label, role, "listed", listed)
        client.logout()

    wrong = {key: pair for key, pair in codes.items() if pair[0] != pair[1]}
    assert not wrong, f"{model._meta.label}: (got, expected) {wrong}"
    row.refresh_from_db()
    assert _state(row) == before, "a history POST changed the row"


@pytest.mark.parametrize(
    "label", ["leads.lead", "deals.deal", "feedback.brief", "feedback.dispute"]
)
def test_salesperson_b_cannot_read_or_revert_the_history_of_as_work(
    client: Any, make_lead: Any, claimed: Any, label: str
) -> None:
    """The attack from issue 14: B reads A's history pages and posts an old version back."""
    world = World(make_lead, claimed)
    row = BUILDERS[label](world)
    model = type(row)
    record = model.history.filter(**{model._meta.pk.attname: row.pk}).earliest("history_date")  # type: ignore[attr-defined]
    before = _state(row)
    version = _url(model, "simple_history", row.pk, record.history_id)
    tampered = {"name": "Hijacked", "title": "Hijacked", "status": "new", "owner": ""}

    client.force_login(world.users["sales_b"])
    assert client.get(_url(model, "history", row.pk)).status_code == 404
    assert client.get(version).status_code == 404
    assert client.post(version, tampered).status_code == 403
    # The owner and management may read the trail, but nobody reverts through it.
    for role in ("sales_a", "management"):
        client.force_login(world.users[role])
        page = client.get(version)
        assert page.status_code == 200
        assert b'name="_save"' not in page.content
        assert client.post(version, tampered).status_code == 403
    row.refresh_from_db()
    assert _state(row) == before
