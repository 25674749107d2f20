"""Reads for the feedback domain, scoped to what the caller may see.

``upheld_dispute_lead_ids`` names the leads an upheld dispute takes out of marketing's counted
leads, for the KPI scorecard to read; the funnel reports in ``kpi/reports`` count every lead.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from deals.models import Deal
from deals.selectors import deal_scope
from feedback.models import (
    ActionItem,
    Brief,
    BriefEvent,
    Dispute,
    FeedbackTag,
    LeadFeedback,
    Objection,
    ObjectionAnswer,
    ObjectionHeard,
    ReviewMeeting,
)
from leads.models import Lead
from leads.selectors import lead_scope
from org.models import Role, User

# --- For the kpi app --------------------------------------------------------------------------


def upheld_dispute_lead_ids() -> QuerySet[Dispute, int]:
    """Ids of leads whose dispute a manager upheld: not leads by the agreed definition, so
    they do not count for marketing. Usable as a subquery: ``exclude(pk__in=...)``."""
    return Dispute.objects.filter(status=Dispute.Status.UPHELD).values_list("lead_id", flat=True)


def _sees_everything(user: User) -> bool:
    return user.effective_role in (Role.MANAGEMENT, Role.MARKETING)


# --- Lead-quality feedback -------------------------------------------------------------------


def tag_list(*, active_only: bool = True) -> QuerySet[FeedbackTag]:
    tags = FeedbackTag.objects.order_by("position", "label")
    return tags.filter(is_active=True) if active_only else tags


def feedback_scope(*, user: User) -> QuerySet[LeadFeedback]:
    """Marketing and management read all feedback; a salesperson reads what they gave."""
    feedback = LeadFeedback.objects.all()
    if _sees_everything(user):
        return feedback
    if user.effective_role == Role.SALES:
        if user.is_sales_head:  # the team's
            return feedback.filter(Q(author=user) | Q(author__role=Role.SALES))
        return feedback.filter(author=user)
    return feedback.none()


def feedback_list(*, user: User) -> QuerySet[LeadFeedback]:
    return (
        feedback_scope(user=user)
        .select_related("lead", "lead__channel", "lead__campaign", "lead__form", "author")
        .prefetch_related(Prefetch("tags", queryset=FeedbackTag.objects.order_by("position")))
        .order_by("-created_at", "-pk")
    )


def lead_feedback_of(*, lead: Lead) -> QuerySet[LeadFeedback]:
    """Everything said about one lead's quality (the lead page shows it to whoever sees it)."""
    return (
        LeadFeedback.objects.filter(lead=lead)
        .select_related("author")
        .prefetch_related(Prefetch("tags", queryset=FeedbackTag.objects.order_by("position")))
        .order_by("-created_at", "-pk")
    )


# --- Disputes ------------------------------------------------------------------------------------


def dispute_scope(*, user: User) -> QuerySet[Dispute]:
    """Marketing and management see every dispute; a salesperson the ones they raised."""
    disputes = Dispute.objects.all()
    if _sees_everything(user):
        return disputes
    if user.effective_role == Role.SALES:
        if user.is_sales_head:  # the team's disputes
            return disputes.filter(Q(raised_by=user) | Q(raised_by__role=Role.SALES))
        return disputes.filter(raised_by=user)
    return disputes.none()


DISPUTE_JOINS = (
    "lead",
    "lead__channel",
    "lead__campaign",
    "lead__campaign__owner",
    "lead__form",
    "raised_by",
    "responded_by",
    "decided_by",
    "definition",
)


def dispute_list(*, user: User) -> QuerySet[Dispute]:
    return dispute_scope(user=user).select_related(*DISPUTE_JOINS)


def disputes_awaiting(*, user: User) -> QuerySet[Dispute]:
    """Disputes waiting for this person's step: a marketer's answer on their campaigns (a
    head of marketing: every unanswered one), a manager's decision, a salesperson's verdict."""
    disputes = dispute_list(user=user)
    if user.has_role(Role.MANAGEMENT):
        return disputes.filter(status__in=Dispute.ANSWERED)
    if user.has_role(Role.MARKETING):
        disputes = disputes.filter(status=Dispute.Status.OPEN)
        return disputes if user.is_head else disputes.filter(lead__campaign__owner=user)
    if user.has_role(Role.SALES):
        return disputes.filter(status__in=Dispute.UNDECIDED)
    return disputes.none()


# --- Objections ----------------------------------------------------------------------------------

RECENT_DAYS = 30
FREQUENT_DAYS = 90  # the lead and deal pages suggest what was heard most in this window


def objection_list(*, now: datetime | None = None) -> QuerySet[Objection]:
    """The library with how often each objection was heard (all time and lately) and how many
    answers marketing has for it, most heard lately first."""
    since = (now or timezone.now()) - timedelta(days=RECENT_DAYS)
    return (
        Objection.objects.filter(is_active=True)
        .annotate(
            heard=Count("occurrences", distinct=True),
            heard_recently=Count(
                "occurrences", filter=Q(occurrences__heard_at__gte=since), distinct=True
            ),
            answer_count=Count("answers", filter=Q(answers__is_active=True), distinct=True),
        )
        .order_by("-heard_recently", "-heard", "text")
    )


def answers_ranked() -> QuerySet[ObjectionAnswer]:
    """Active answers, the best first: most "it worked" votes from sales, then the newest."""
    return (
        ObjectionAnswer.objects.filter(is_active=True)
        .select_related("author")
        .annotate(helpful=Count("votes"))
        .order_by("-helpful", "-created_at", "-pk")
    )


def objection_detail() -> QuerySet[Objection]:
    """One objection with its counts and its answers, best first (``ranked_answers``)."""
    return (
        objection_list()
        .select_related("created_by")
        .prefetch_related(Prefetch("answers", queryset=answers_ranked(), to_attr="ranked_answers"))
    )


def heard_scope(*, user: User) -> QuerySet[ObjectionHeard]:
    """Where objections were heard, as far as the caller may see the lead or deal: marketing
    and management everywhere; a salesperson what they recorded and what was heard on the
    leads and deals in their scope."""
    heard = ObjectionHeard.objects.all()
    if _sees_everything(user):
        return heard
    if user.effective_role == Role.SALES:
        return heard.filter(
            Q(recorded_by=user)
            | Q(lead__in=lead_scope(user=user))
            | Q(deal__in=deal_scope(user=user))
        )
    return heard.none()


def occurrences_of(*, objection: Objection, user: User) -> QuerySet[ObjectionHeard]:
    return (
        heard_scope(user=user)
        .filter(objection=objection)
        .select_related("lead", "deal", "touch", "recorded_by")
    )


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_frequency(
    *, objection_ids: list[int], weeks: int = 8, now: datetime | None = None
) -> dict[int, list[tuple[date, int]]]:
    """How often each objection was heard in each of the last ``weeks`` weeks (Monday-based,
    in the configured time zone), oldest first, zeros included: one grouped query."""
    this_week = week_start(timezone.localdate(now or timezone.now()))
    starts = [this_week - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    first = datetime.combine(starts[0], datetime.min.time(), timezone.get_current_timezone())
    counts: dict[tuple[int, date], int] = {}
    rows = (
        ObjectionHeard.objects.filter(objection_id__in=objection_ids, heard_at__gte=first)
        .annotate(week=TruncWeek("heard_at"))
        .order_by()
        .values("objection_id", "week")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        week = row["week"]
        day = timezone.localtime(week).date() if isinstance(week, datetime) else week
        counts[(row["objection_id"], day)] = row["n"]
    return {pk: [(start, counts.get((pk, start), 0)) for start in starts] for pk in objection_ids}


@dataclass
class ObjectionCard:
    objection: Objection
    heard_here: int  # times heard on this lead or deal (0: a frequent one elsewhere)
    answers: list[ObjectionAnswer] = field(default_factory=list)


def objection_answers_for(
    *, lead: Lead | None = None, deal: Deal | None = None, limit: int = 4, per_objection: int = 2
) -> list[ObjectionCard]:
    """What to have ready on a lead or deal page: the objections heard on it, topped up with
    the most heard lately, each with its best answers. Three queries whatever the data."""
    heard = ObjectionHeard.objects.filter(objection__is_active=True)
    lead_id = lead.pk if lead is not None else (deal.lead_id if deal is not None else None)
    here = Q(pk__in=[])
    if lead_id is not None:
        here |= Q(lead_id=lead_id)
    if deal is not None:
        here |= Q(deal_id=deal.pk)
    local = {
        row["objection_id"]: row["n"]
        for row in heard.filter(here)
        .order_by()
        .values("objection_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "objection_id")[:limit]
    }
    # Topped up with what customers said most often lately, wherever it was heard (always
    # asked, so the page costs the same whatever this lead has).
    since = timezone.now() - timedelta(days=FREQUENT_DAYS)
    frequent = [
        row["objection_id"]
        for row in heard.filter(heard_at__gte=since)
        .order_by()
        .values("objection_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "objection_id")[:limit]
    ]
    ids = list(local)
    ids += [pk for pk in frequent if pk not in local][: limit - len(ids)]
    objections = {
        o.pk: o
        for o in Objection.objects.filter(pk__in=ids).prefetch_related(
            Prefetch("answers", queryset=answers_ranked(), to_attr="ranked_answers")
        )
    }
    return [
        ObjectionCard(
            objection=objections[pk],
            heard_here=local.get(pk, 0),
            answers=objections[pk].ranked_answers[:per_objection],  # type: ignore[attr-defined]
        )
        for pk in ids
        if pk in objections
    ]


# --- Weekly reviews ------------------------------------------------------------------------------


def meeting_list() -> QuerySet[ReviewMeeting]:
    return (
        ReviewMeeting.objects.select_related("created_by")
        .annotate(
            deal_count=Count("deals", distinct=True),
            item_count=Count("action_items", distinct=True),
            open_items=Count(
                "action_items", filter=Q(action_items__done_at__isnull=True), distinct=True
            ),
        )
        .prefetch_related("participants")
        .order_by("-held_on", "-pk")
    )


def meeting_detail() -> QuerySet[ReviewMeeting]:
    return ReviewMeeting.objects.select_related("created_by").prefetch_related(
        Prefetch("participants", queryset=User.objects.order_by("role", "username")),
        Prefetch("deals", queryset=Deal.objects.select_related("stage", "owner", "lost_reason")),
        "objections",
        Prefetch("action_items", queryset=ActionItem.objects.select_related("owner")),
    )


def action_item_list() -> QuerySet[ActionItem]:
    return ActionItem.objects.select_related("owner", "meeting").order_by("due_on", "pk")


@dataclass
class Agenda:
    """What the next review should look at, proposed from the data."""

    stuck_deals: list[Deal]
    lost_deals: list[Deal]
    open_disputes: list[Dispute]
    overdue_briefs: list[Brief]
    open_items: list[ActionItem]


def agenda(*, now: datetime | None = None, limit: int = 10) -> Agenda:
    """Deals stuck longest in their stage, deals lost in the last seven days, disputes still
    undecided (oldest first), briefs past their due date and decisions not yet done."""
    now = now or timezone.now()
    deals = Deal.objects.select_related("stage", "owner", "lost_reason")
    return Agenda(
        stuck_deals=list(
            deals.filter(status=Deal.Status.OPEN).order_by("stage_changed_at", "pk")[:limit]
        ),
        lost_deals=list(
            deals.filter(status=Deal.Status.LOST, closed_at__gte=now - timedelta(days=7)).order_by(
                "-closed_at", "-pk"
            )[:limit]
        ),
        open_disputes=list(
            Dispute.objects.filter(status__in=Dispute.UNDECIDED)
            .select_related(*DISPUTE_JOINS)
            .order_by("created_at", "pk")[:limit]
        ),
        overdue_briefs=list(
            Brief.objects.filter(status__in=Brief.PENDING, due_on__lt=timezone.localdate(now))
            .select_related(*BRIEF_JOINS)
            .prefetch_related(_brief_events())
            .order_by("due_on", "pk")[:limit]
        ),
        open_items=list(
            action_item_list().filter(done_at__isnull=True, due_on__lte=timezone.localdate(now))[
                :limit
            ]
        ),
    )


# --- Briefs --------------------------------------------------------------------------------------


def brief_scope(*, user: User) -> QuerySet[Brief]:
    """Marketing (the agency) and management see every brief; sales the ones they asked for."""
    briefs = Brief.objects.all()
    if _sees_everything(user):
        return briefs
    if user.effective_role == Role.SALES:
        if user.is_sales_head:  # the team's
            return briefs.filter(Q(requester=user) | Q(requester__role=Role.SALES))
        return briefs.filter(requester=user)
    return briefs.none()


BRIEF_JOINS = ("requester", "assignee", "approved_by", "warned_by")


def _brief_events() -> Prefetch:
    return Prefetch("events", queryset=BriefEvent.objects.select_related("by"))


def brief_list(*, user: User) -> QuerySet[Brief]:
    return brief_scope(user=user).select_related(*BRIEF_JOINS)


def brief_detail(*, user: User) -> QuerySet[Brief]:
    """Briefs with their trail of events (the API shows it in lists too)."""
    return brief_list(user=user).prefetch_related(_brief_events())


@dataclass
class ResponseStats:
    started: int
    average_response_seconds: float | None


def brief_response_stats(*, briefs: QuerySet[Brief]) -> ResponseStats:
    """Marketing's response time: the mean time from approval to the start of work."""
    rows = list(
        briefs.filter(approved_at__isnull=False, started_at__isnull=False)
        .order_by()
        .values_list("approved_at", "started_at")
    )
    if not rows:
        return ResponseStats(started=0, average_response_seconds=None)
    total = sum(
        (started - approved for approved, started in rows if approved and started), timedelta()
    )
    return ResponseStats(
        started=len(rows), average_response_seconds=total.total_seconds() / len(rows)
    )


def dispute_counts() -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in Dispute.objects.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return dict(counts)


def overdue_action_items(*, user: User, today: date) -> QuerySet[ActionItem]:
    return action_item_list().filter(owner=user, done_at__isnull=True, due_on__lt=today)


def briefs_awaiting(*, user: User) -> QuerySet[Brief]:
    """Briefs waiting for this person's step: managers approve drafts, marketing takes approved
    and returned briefs and delivers what it works on, the requester accepts or returns."""
    briefs = brief_list(user=user)
    mine_to_judge = Q(status=Brief.Status.DELIVERED, requester=user)
    if user.has_role(Role.MANAGEMENT):
        return briefs.filter(Q(status=Brief.Status.DRAFT) | mine_to_judge)
    if user.has_role(Role.MARKETING):
        working = Q(status__in=[Brief.Status.IN_PROGRESS, Brief.Status.RETURNED])
        if not user.is_head:
            working &= Q(assignee=user) | Q(assignee__isnull=True)
        return briefs.filter(Q(status=Brief.Status.APPROVED) | working)
    return briefs.filter(mine_to_judge)


def leads_to_rate(*, user: User, days: int = 30) -> QuerySet[Lead]:
    """A salesperson's leads worked lately that they have not rated yet."""
    since = timezone.now() - timedelta(days=days)
    return (
        Lead.objects.filter(owner=user, first_touch_at__gte=since)
        .exclude(quality_feedback__author=user)
        .select_related("channel", "campaign")
        .order_by("-first_touch_at", "-pk")
    )
