"""Briefs: sales or management (the client) order work from marketing (the agency).

draft --manager approves--> approved --marketing starts--> in_progress --delivers--> delivered
delivered --the client--> accepted | returned (with comments) --marketing resumes--> in_progress

Marketing may warn about risks while the brief is a draft; a manager approving a brief marketing
warned about must note the risks accepted. Marketing's response time runs from approval to the
start of work.
"""

from datetime import date, datetime
from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from feedback.models import Brief, BriefEvent
from feedback.services.common import clean_text, link
from org.audit import save_audited
from org.models import Role, User
from org.services import Message, heads_of, managers, notify_many

S = Brief.Status


class Actor(StrEnum):
    MANAGER = "manager"  # management
    MARKETING = "marketing"  # anyone in marketing (takes the brief)
    MARKETER = "marketer"  # the marketer working on it, or a head of marketing
    CLIENT = "client"  # the requester, or management


# (from, to) -> who may make the move. Everything not listed is refused with a 400.
TRANSITIONS: dict[tuple[str, str], Actor] = {
    (S.DRAFT, S.APPROVED): Actor.MANAGER,
    (S.APPROVED, S.IN_PROGRESS): Actor.MARKETING,
    (S.RETURNED, S.IN_PROGRESS): Actor.MARKETER,
    (S.IN_PROGRESS, S.DELIVERED): Actor.MARKETER,
    (S.DELIVERED, S.ACCEPTED): Actor.CLIENT,
    (S.DELIVERED, S.RETURNED): Actor.CLIENT,
}


def is_actor(brief: Brief, user: User, actor: Actor) -> bool:
    if actor == Actor.MANAGER:
        return user.has_role(Role.MANAGEMENT)
    if actor == Actor.MARKETING:
        return user.has_role(Role.MARKETING)
    if actor == Actor.MARKETER:
        return user.has_role(Role.MARKETING) and (
            brief.assignee_id in (None, user.pk) or user.is_head
        )
    return brief.requester_id == user.pk or user.has_role(Role.MANAGEMENT)


def next_statuses(brief: Brief, user: User) -> list[str]:
    """The moves ``user`` may make on the brief now (what the page offers as buttons)."""
    return [
        to
        for (source, to), actor in TRANSITIONS.items()
        if source == brief.status and is_actor(brief, user, actor)
    ]


def _event(brief: Brief, *, source: str, by: User, at: datetime, comment: str = "") -> None:
    BriefEvent.objects.create(
        brief=brief, from_status=source, to_status=brief.status, by=by, at=at, comment=comment
    )


@transaction.atomic
def brief_create(
    *,
    by: User,
    title: str,
    goal: str,
    due_on: date,
    requirements: str = "",
    now: datetime | None = None,
) -> Brief:
    """A draft brief; managers are asked to approve it and marketing may warn about it."""
    if not by.has_role(Role.SALES, Role.MANAGEMENT):
        raise PermissionDenied(_("Briefs to marketing come from sales or management."))
    now = now or timezone.now()
    title = clean_text(title, field="title", required=True, limit=200)
    goal = clean_text(goal, field="goal", required=True)
    requirements = clean_text(requirements, field="requirements", required=False, limit=20000)
    if due_on < timezone.localdate(now):
        raise ValidationError({"due_on": [_("The due date has already passed.")]})
    brief = Brief(
        title=title,
        goal=goal,
        requirements=requirements,
        due_on=due_on,
        requester=by,
        created_at=now,
    )
    save_audited(brief, by=by, reason="drafted", at=now)
    _event(brief, source="", by=by, at=now)
    url = link("feedback:brief", brief.pk)
    notify_many(
        [
            Message(
                managers(),
                lambda: _("Approve the brief “%(title)s”") % {"title": title},
                goal,
                url,
            ),
            Message(
                heads_of(Role.MARKETING),
                lambda: (
                    _("New brief for marketing: “%(title)s”, due %(due)s")
                    % {"title": title, "due": date_format(due_on)}
                ),
                lambda: _("Warn the managers before approval if you see risks."),
                url,
            ),
        ]
    )
    return brief


def _locked(brief: Brief) -> Brief:
    return Brief.objects.select_for_update().get(pk=brief.pk)


@transaction.atomic
def brief_warn(*, brief: Brief, by: User, warning: str, now: datetime | None = None) -> Brief:
    """Marketing warns about a draft (deadline, budget, scope); the approver must answer it."""
    if not by.has_role(Role.MARKETING):
        raise PermissionDenied(_("Marketing warns about the risks of a brief."))
    warning = clean_text(warning, field="warning", required=True)
    brief = _locked(brief)
    if brief.status != S.DRAFT:
        raise ValidationError(_("Warnings are for drafts; this brief is already approved."))
    brief.marketing_warning = warning
    brief.warned_by = by
    brief.warned_at = now or timezone.now()
    save_audited(
        brief,
        by=by,
        reason="warned",
        fields=["marketing_warning", "warned_by", "warned_at"],
        at=brief.warned_at,
    )
    notify_many(
        [
            Message(
                managers(),
                lambda: _("Marketing warns about the brief “%(title)s”") % {"title": brief.title},
                warning,
                link("feedback:brief", brief.pk),
            )
        ]
    )
    return brief


def _notice(brief: Brief, by: User) -> Message | None:
    """Who acts next after the move just made, and what they are told."""
    url = link("feedback:brief", brief.pk)
    title = {"title": brief.title}
    if brief.status == S.APPROVED:
        return Message(
            [*heads_of(Role.MARKETING), brief.requester],
            lambda: _("Brief approved: “%(title)s”") % title,
            brief.risks,
            url,
        )
    if brief.status in (S.IN_PROGRESS, S.DELIVERED):
        started = brief.status == S.IN_PROGRESS
        return Message(
            [brief.requester],
            lambda: (
                (
                    _("Marketing started on “%(title)s”")
                    if started
                    else _("Delivered: “%(title)s”; accept it or return it with comments")
                )
                % title
            ),
            "",
            url,
        )
    if brief.assignee is not None:
        accepted = brief.status == S.ACCEPTED
        return Message(
            [brief.assignee],
            lambda: (
                (
                    _("Brief accepted: “%(title)s”")
                    if accepted
                    else _("Brief returned with comments: “%(title)s”")
                )
                % title
            ),
            "",
            url,
        )
    return None


@transaction.atomic
def brief_transition(
    *,
    brief: Brief,
    to: str,
    by: User,
    comment: str = "",
    risks: str = "",
    now: datetime | None = None,
) -> Brief:
    """Move a brief one step. A move the workflow does not have is a 400; a move the caller
    may not make is a 403. Returning a delivery needs comments; approving a brief marketing
    warned about needs the risks accepted."""
    if to not in S.values:
        raise ValidationError(
            {"status": [_("Unknown status; choose one of: %(s)s.") % {"s": ", ".join(S.values)}]}
        )
    comment = clean_text(comment, field="comment", required=False)
    risks = clean_text(risks, field="risks", required=False)
    brief = _locked(brief)
    actor = TRANSITIONS.get((brief.status, to))
    if actor is None:
        raise ValidationError(
            {
                "status": [
                    _("A brief cannot go from %(source)s to %(to)s.")
                    % {"source": brief.get_status_display(), "to": S(to).label}
                ]
            }
        )
    if not is_actor(brief, by, actor):
        raise PermissionDenied(_("You may not make this move on this brief."))
    if to == S.RETURNED and not comment:
        raise ValidationError({"comment": [_("Say what to change: a return needs comments.")]})
    now = now or timezone.now()
    source = brief.status
    fields = ["status"]
    if to == S.APPROVED:
        if brief.marketing_warning and not risks:
            raise ValidationError(
                {"risks": [_("Marketing warned about this brief: note the risks you accept.")]}
            )
        brief.risks, brief.approved_by, brief.approved_at = risks, by, now
        fields += ["risks", "approved_by", "approved_at"]
    elif to == S.IN_PROGRESS:
        if brief.assignee_id is None:
            brief.assignee = by
            fields.append("assignee")
        if brief.started_at is None:  # the response time counts the first start only
            brief.started_at = now
            fields.append("started_at")
    elif to == S.DELIVERED:
        brief.delivered_at = now
        fields.append("delivered_at")
    elif to == S.ACCEPTED:
        brief.accepted_at = now
        fields.append("accepted_at")
    brief.status = to
    save_audited(brief, by=by, reason=f"{source} -> {to}", fields=fields, at=now)
    _event(brief, source=source, by=by, at=now, comment=comment)
    notice = _notice(brief, by)
    if notice is not None:
        notify_many([notice])
    return brief
