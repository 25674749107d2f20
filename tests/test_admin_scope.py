"""Object scope on every admin view, built from the admin registry.

Every registered model x role (sales A, sales B, the sales head, marketing, management) x the
change list, change, delete and history pages -> the exact expected code. The object is "of
sales A" where the model has an owner (A's own, B's and the others' foreign), one shared row
otherwise. A model registered later is covered automatically: it fails here until its admin
declares ``object_scope`` and this file knows how to make one of its rows.
"""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from deals.models import StageApproval
from deals.services import deal_create_from_lead, payment_record
from feedback.models import Objection
from feedback.services import (
    answer_add,
    brief_create,
    dispute_raise,
    lead_feedback_give,
    objection_create,
    objection_record_heard,
    review_meeting_create,
)
from leads.models import Lead, SalesProfile
from leads.services import lead_qualify
from org.admin_scope import Scope
from org.models import Notification, ReportingLine, Role, User
from org.roles import ROLE_PERMISSIONS
from org.services import api_key_create
from tests.factories import CampaignFactory, UserFactory, WebFormFactory

pytestmark = pytest.mark.django_db

ALL_MET = {
    "target_segment": True,
    "real_need": True,
    "valid_contacts": True,
    "ready_for_dialog": True,
}

ROLES = ["sales_a", "sales_b", "sales_head", "marketing", "management"]

# Who sees a row of sales A's work. Shared models: everyone allowed to view the model.
VISIBLE_OWNED = {
    "sales_a": True,
    "sales_b": False,
    "sales_head": False,
    "marketing": True,
    "management": True,
}


class World:
    """The people of one test and sales A's work, made through the services."""

    def __init__(self, make_lead: Callable[..., Lead], claimed: Callable[..., Lead]) -> None:
        self.users = {
            "sales_a": UserFactory(role=Role.SALES),
            "sales_b": UserFactory(role=Role.SALES),
            "sales_head": UserFactory(role=Role.SALES, is_head=True),
            "marketing": UserFactory(role=Role.MARKETING),
            "management": UserFactory(role=Role.MANAGEMENT, is_head=True),
        }
        self.make_lead = make_lead
        self.claimed = claimed

    @property
    def a(self) -> User:
        return self.users["sales_a"]

    def touched_lead(self) -> Lead:
        from leads.services import lead_touch

        lead = self.claimed(self.a)
        lead_touch(lead=lead, by=self.a, kind="call")
        lead.refresh_from_db()
        return lead

    def deal(self) -> Any:
        lead = lead_qualify(lead=self.touched_lead(), by=self.a, criteria=ALL_MET)
        return deal_create_from_lead(lead=lead, by=self.a, title="Licences", amount=Decimal("900"))

    def objection(self) -> Objection:
        return objection_create(by=self.a, text="Too expensive", category="price")


def _brief(w: World) -> Any:
    return brief_create(
        by=w.a, title="Case study", goal="Proof", due_on=timezone.localdate() + timedelta(days=7)
    )


def _approval(w: World) -> StageApproval:
    deal = w.deal()
    return StageApproval.objects.create(
        deal=deal, stage=deal.stage, department=Role.SALES, approved_by=w.a
    )


def _meeting(w: World) -> Any:
    return review_meeting_create(
        by=w.users["management"],
        held_on=timezone.localdate(),
        participants=[w.a, w.users["marketing"]],
        title="Weekly",
        action_items=[
            {"text": "Call back", "owner": w.a, "due_on": timezone.localdate() + timedelta(days=2)}
        ],
    )


# label -> how to make sales A's row (scoped) or one row (shared, when the table is empty).
BUILDERS: dict[str, Callable[[World], models.Model]] = {
    "leads.lead": lambda w: w.claimed(w.a),
    "deals.deal": lambda w: w.deal(),
    "deals.payment": lambda w: payment_record(deal=w.deal(), amount=Decimal("100"), by=w.a),
    "deals.stageapproval": _approval,
    "feedback.leadfeedback": lambda w: lead_feedback_give(lead=w.claimed(w.a), by=w.a, rating=2)[0],
    "feedback.dispute": lambda w: dispute_raise(
        lead=w.touched_lead(), by=w.a, unmet_criteria=["real_need"], comment="A student."
    ),
    "feedback.objectionheard": lambda w: objection_record_heard(
        objection=w.objection(), by=w.a, lead=w.claimed(w.a), note="Said it twice"
    ),
    "feedback.brief": _brief,
    "feedback.objection": lambda w: w.objection(),
    "feedback.objectionanswer": lambda w: answer_add(
        objection=w.objection(), by=w.users["marketing"], text="Show the ROI sheet."
    ),
    "feedback.reviewmeeting": _meeting,
    "feedback.actionitem": lambda w: _meeting(w).action_items.get(),
    "leads.campaign": lambda w: CampaignFactory(),
    "leads.webform": lambda w: WebFormFactory(),
    "leads.salesprofile": lambda w: SalesProfile.objects.get_or_create(user=w.a)[0],
    "org.notification": lambda w: Notification.objects.create(recipient=w.a, subject="Hello"),
    "org.reportingline": lambda w: ReportingLine.objects.create(
        department=Role.SALES, reports_to=Role.MANAGEMENT, subject="Pipeline"
    ),
    "org.user": lambda w: w.a,
    "org.apikey": lambda w: api_key_create(by=w.users["management"], name="Site", purpose="intake")[
        0
    ],
    "knox.authtoken": lambda w: AuthToken.objects.create(user=w.a)[0],
    "axes.accessattempt": lambda w: AccessAttempt.objects.create(
        username=w.a.username, ip_address="10.0.0.1", failures_since_start=1
    ),
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
