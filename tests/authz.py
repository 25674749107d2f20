"""The people and the work that authorization tests walk: sales A (whose work the objects are),
sales B, the sales head, marketing and management, everything made through the services.
Shared by the admin-registry test and the API matrix test."""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from axes.models import AccessAttempt
from django.db import models
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
from leads.models import ImportJob, Lead, SalesProfile, ScoringFlag, ScoringModel
from leads.services import lead_qualify
from org.models import Notification, ReportingLine, Role, User
from org.services import api_key_create, company_day_set
from tests.factories import CampaignFactory, UserFactory, WebFormFactory

ALL_MET = {
    "target_segment": True,
    "real_need": True,
    "valid_contacts": True,
    "ready_for_dialog": True,
}

ROLES = ["sales_a", "sales_b", "sales_head", "marketing", "management"]


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


def kpi_period(w: World) -> Any:
    """The one KPI period of the test (periods never overlap), made once."""
    from kpi.models import Period
    from kpi.services import Scheme, period_create

    existing = Period.objects.first()
    if existing is not None:
        return existing
    today = timezone.localdate()
    return period_create(
        scheme=Scheme(
            starts_on=today,
            ends_on=today,
            revenue_goal=Decimal("1000"),
            pool_percent=Decimal("10"),
            marketing_share=Decimal("40"),
        ),
        by=w.users["management"],
    )


def kpi_statement(w: World, *, approved: bool = True) -> Any:
    from kpi.services import statement_approve, statement_create

    statement = statement_create(period=kpi_period(w), by=w.users["management"])
    if approved:
        statement = statement_approve(statement=statement, by=w.users["management"])
    return statement


def _kpi_rating(w: World) -> Any:
    from kpi.services import rating_set

    return rating_set(
        period=kpi_period(w), user=w.a, communication=70, objections=80, by=w.users["sales_head"]
    )


def _scoring_model() -> ScoringModel:
    return ScoringModel.objects.get_or_create(
        version=1,
        defaults={
            "closed_leads": 100,
            "converted_leads": 30,
            "intercept": -1.0,
            "weights": {"channel=web": 0.5},
            "base_rate": 0.3,
        },
    )[0]


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
    "leads.scoringmodel": lambda w: _scoring_model(),
    "leads.scoringflag": lambda w: ScoringFlag.objects.create(
        campaign=CampaignFactory(owner=w.users["marketing"]),
        week=date(2026, 11, 30),
        model=_scoring_model(),
        mean_score=0.05,
        overall_mean=0.2,
        leads=12,
        marketer=w.users["marketing"],
    ),
    "leads.importjob": lambda w: ImportJob.objects.create(
        created_by=w.users["marketing"], filename="leads.csv", data=b"", status="done", total=3
    ),
    "org.notification": lambda w: Notification.objects.create(recipient=w.a, subject="Hello"),
    "org.reportingline": lambda w: ReportingLine.objects.create(
        department=Role.SALES, reports_to=Role.MANAGEMENT, subject="Pipeline"
    ),
    "org.user": lambda w: w.a,
    "org.apikey": lambda w: api_key_create(by=w.users["management"], name="Site", purpose="intake")[
        0
    ],
    "org.companyday": lambda w: company_day_set(
        by=w.users["management"], day=date(2026, 12, 31), kind="day_off"
    ),
    "knox.authtoken": lambda w: AuthToken.objects.create(user=w.a)[0],
    "kpi.period": kpi_period,
    "kpi.rating": _kpi_rating,
    "kpi.statement": kpi_statement,
    "axes.accessattempt": lambda w: AccessAttempt.objects.create(
        username=w.a.username, ip_address="10.0.0.1", failures_since_start=1
    ),
}


ADMIN_ROLES = ["management", "marketing", "sales"]

# The admin's answers, model by model: "changelist/add page" codes for a staff account of
# management, marketing and sales, as org/roles.py grants them (tests/test_admin.py checks
# every registered model has its row).
ADMIN_CODES = {
    "auth.Group": "403/403 403/403 403/403",
    "axes.AccessAttempt": "200/403 403/403 403/403",
    "deals.Deal": "200/403 200/403 200/403",
    "deals.DealStage": "200/200 200/403 200/403",
    "deals.LostReason": "200/200 200/403 200/403",
    "deals.Payment": "200/403 200/403 200/403",
    "deals.StageApproval": "200/403 200/403 200/403",
    "feedback.ActionItem": "200/403 200/403 200/403",
    "feedback.Brief": "200/403 200/403 200/403",
    "feedback.Dispute": "200/403 200/403 200/403",
    "feedback.FeedbackTag": "200/200 200/403 200/403",
    "feedback.LeadFeedback": "200/403 200/403 200/403",
    "feedback.Objection": "200/200 200/200 200/200",
    "feedback.ObjectionAnswer": "200/403 200/403 200/403",
    "feedback.ObjectionHeard": "200/403 200/403 200/403",
    "feedback.ReviewMeeting": "200/403 200/403 200/403",
    "knox.AuthToken": "200/403 403/403 403/403",
    "kpi.Period": "200/200 200/403 200/403",
    "kpi.Rating": "200/403 403/403 403/403",
    "kpi.Statement": "200/403 403/403 403/403",
    "leads.Campaign": "200/200 200/200 200/403",
    "leads.Channel": "200/200 200/200 200/403",
    "leads.DisqualificationReason": "200/200 200/403 200/403",
    "leads.Lead": "200/403 200/403 200/403",
    "leads.ImportJob": "200/403 403/403 403/403",
    "leads.LeadDefinition": "200/403 200/403 200/403",
    "leads.SalesProfile": "200/200 403/403 200/403",
    "leads.ScoringFlag": "200/403 200/403 403/403",
    "leads.ScoringModel": "200/403 200/403 200/403",
    "leads.SlaPolicy": "200/200 403/403 200/403",
    "leads.WebForm": "200/200 200/200 200/403",
    "org.ApiKey": "200/200 403/403 403/403",
    "org.CompanyDay": "200/200 200/403 200/403",
    "org.FunnelStage": "200/200 200/403 200/403",
    "org.HandOff": "200/200 200/403 200/403",
    "org.Notification": "200/403 403/403 403/403",
    "org.ReportingLine": "200/200 200/403 200/403",
    "org.User": "200/200 403/403 403/403",
}
