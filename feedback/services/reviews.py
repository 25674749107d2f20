"""Weekly review meetings of marketing and sales, and the decisions they take."""

from collections.abc import Sequence
from datetime import date, datetime
from functools import partial
from typing import TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from deals.models import Deal
from feedback.models import ActionItem, Objection, ReviewMeeting
from feedback.services.common import clean_text, link
from org.audit import save_audited
from org.models import Role, User
from org.services import Message, notify_many


class ActionItemInput(TypedDict):
    text: str
    owner: User
    due_on: date


def may_run_reviews(user: User) -> bool:
    """Managers and the heads of marketing and sales record meetings and decisions."""
    return user.has_role(Role.MANAGEMENT) or (
        user.is_head and user.has_role(Role.MARKETING, Role.SALES)
    )


def _ensure_may_run(user: User) -> None:
    if not may_run_reviews(user):
        raise PermissionDenied(_("Managers and department heads record review meetings."))


def _check_item(item: ActionItemInput, *, held_on: date, nested: bool) -> ActionItemInput:
    """Validate one decision; errors name its field, or ``action_items`` inside a meeting."""

    def field(name: str) -> str:
        return "action_items" if nested else name

    text = clean_text(item["text"], field=field("text"), required=True, limit=500)
    owner = item["owner"]
    if not owner.is_active:
        raise ValidationError(
            {field("owner"): [_("%(user)s is no longer active.") % {"user": owner}]}
        )
    if item["due_on"] < held_on:
        raise ValidationError(
            {field("due_on"): [_("A decision cannot be due before the meeting.")]}
        )
    return {"text": text, "owner": owner, "due_on": item["due_on"]}


def _create_items(
    meeting: ReviewMeeting, items: Sequence[ActionItemInput], *, by: User, now: datetime
) -> list[ActionItem]:
    created = []
    for item in items:
        action = ActionItem(
            meeting=meeting,
            text=item["text"],
            owner=item["owner"],
            due_on=item["due_on"],
            created_at=now,
        )
        save_audited(action, by=by, reason="decided", at=now)
        created.append(action)
    notify_many(
        Message(
            [action.owner],
            partial(
                lambda due: (
                    _("A review decision is yours, due %(due)s") % {"due": date_format(due)}
                ),
                action.due_on,
            ),
            action.text,
            link("feedback:review", meeting.pk),
        )
        for action in created
    )
    return created


@transaction.atomic
def review_meeting_create(
    *,
    by: User,
    held_on: date,
    participants: Sequence[User],
    deals: Sequence[Deal] = (),
    objections: Sequence[Objection] = (),
    title: str = "",
    notes: str = "",
    action_items: Sequence[ActionItemInput] = (),
    now: datetime | None = None,
) -> ReviewMeeting:
    """Record a held meeting: who took part (both departments), the deals reviewed, the
    objections discussed and the decisions, each with an owner and a due date."""
    _ensure_may_run(by)
    now = now or timezone.now()
    if held_on > timezone.localdate(now):
        raise ValidationError({"held_on": [_("Record a meeting once it has been held.")]})
    title = clean_text(title, field="title", required=False, limit=200)
    notes = clean_text(notes, field="notes", required=False, limit=20000)
    people = list({u.pk: u for u in participants}.values())
    if any(not u.is_active for u in people):
        raise ValidationError({"participants": [_("Every participant must be an active user.")]})
    roles = {u.effective_role for u in people}
    if not {Role.MARKETING, Role.SALES} <= roles:
        raise ValidationError(
            {"participants": [_("A joint review needs people from marketing and from sales.")]}
        )
    items = [_check_item(item, held_on=held_on, nested=True) for item in action_items]
    meeting = ReviewMeeting(
        held_on=held_on, title=title, notes=notes, created_by=by, created_at=now
    )
    save_audited(meeting, by=by, reason="held", at=now)
    meeting.participants.set(people)
    meeting.deals.set(list({d.pk: d for d in deals}.values()))
    meeting.objections.set(list({o.pk: o for o in objections}.values()))
    _create_items(meeting, items, by=by, now=now)
    return meeting


@transaction.atomic
def action_item_add(
    *,
    meeting: ReviewMeeting,
    by: User,
    text: str,
    owner: User,
    due_on: date,
    now: datetime | None = None,
) -> ActionItem:
    """A decision added to a meeting after the fact (the minutes were typed up later)."""
    _ensure_may_run(by)
    item = _check_item(
        {"text": text, "owner": owner, "due_on": due_on}, held_on=meeting.held_on, nested=False
    )
    return _create_items(meeting, [item], by=by, now=now or timezone.now())[0]


@transaction.atomic
def action_item_set_done(
    *, item: ActionItem, by: User, done: bool, now: datetime | None = None
) -> ActionItem:
    """The owner (or a manager) marks a decision done, or reopens it."""
    if item.owner_id != by.pk and not by.has_role(Role.MANAGEMENT):
        raise PermissionDenied(_("Only the decision's owner or a manager marks it done."))
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    if done == item.is_done:
        return item  # already so: asking twice changes nothing
    at = now or timezone.now()
    item.done_at = at if done else None
    save_audited(item, by=by, reason="done" if done else "reopened", fields=["done_at"], at=at)
    return item
