"""The agreed lead definition: proposed by a department head, active once the heads of
marketing AND sales have both approved it. Old versions are retired, never deleted."""

from collections.abc import Sequence
from typing import TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from leads.models import LeadCriterion, LeadDefinition, LeadDefinitionApproval
from org.audit import save_audited
from org.models import Role, User
from org.services import Message, managers, notify_many

SIGNING_ROLES = (Role.MARKETING, Role.SALES)


class CriterionInput(TypedDict):
    code: str
    label: str
    required: bool


def active_definition() -> LeadDefinition:
    definition = (
        LeadDefinition.objects.filter(status=LeadDefinition.Status.ACTIVE)
        .prefetch_related("criteria")
        .first()
    )
    if definition is None:
        raise ValidationError(_("No lead definition is active; ask the department heads."))
    return definition


def _ensure_head(user: User) -> None:
    if not (user.is_active and user.is_head and user.role in SIGNING_ROLES):
        raise PermissionDenied(_("Only a marketing or sales department head may do this."))


def definition_propose(*, by: User, criteria: Sequence[CriterionInput]) -> LeadDefinition:
    """Create a draft version. Proposing is not approving."""
    _ensure_head(by)
    if not criteria:
        raise ValidationError({"criteria": [_("A definition needs at least one criterion.")]})
    codes = [c["code"] for c in criteria]
    if len(set(codes)) != len(codes):
        raise ValidationError({"criteria": [_("Criterion codes must be unique.")]})
    if not any(c["required"] for c in criteria):
        raise ValidationError({"criteria": [_("At least one criterion must be required.")]})
    for _attempt in range(5):
        try:
            with transaction.atomic():
                version = (LeadDefinition.objects.aggregate(v=Max("version"))["v"] or 0) + 1
                definition = LeadDefinition.objects.create(version=version, proposed_by=by)
                LeadCriterion.objects.bulk_create(
                    LeadCriterion(definition=definition, position=i, **c)
                    for i, c in enumerate(criteria)
                )
                _tell_awaiting(definition, by=by)
                return definition
        except IntegrityError:
            continue  # two proposals took the same number; the unique version decides
    raise ValidationError(_("Could not allocate a version number; try again."))


@transaction.atomic
def definition_approve(*, definition: LeadDefinition, by: User) -> LeadDefinition:
    """Record a head's approval; activate when both departments have approved."""
    _ensure_head(by)
    # Lock every version (there are few) so concurrent approvals activate one at a time and
    # each sees the other's outcome: never two active versions, never a lost retirement.
    list(LeadDefinition.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    definition = LeadDefinition.objects.get(pk=definition.pk)
    if definition.status != LeadDefinition.Status.DRAFT:
        raise ValidationError(
            _("Version %(version)s is %(status)s; only drafts can be approved.")
            % {"version": definition.version, "status": definition.get_status_display()}
        )
    LeadDefinitionApproval.objects.get_or_create(
        definition=definition, user=by, defaults={"role": by.role}
    )
    roles = set(definition.approvals.values_list("role", flat=True))
    if roles.issuperset(SIGNING_ROLES):
        now = timezone.now()
        LeadDefinition.objects.filter(status=LeadDefinition.Status.ACTIVE).update(
            status=LeadDefinition.Status.RETIRED, retired_at=now
        )
        definition.status = LeadDefinition.Status.ACTIVE
        definition.activated_at = now
        save_audited(definition, by=by, reason="activated", fields=["status", "activated_at"])
        _tell_active(definition, by=by)  # the heads were asked once, when it was proposed
    return definition


def _heads(roles: Sequence[str]) -> list[User]:
    """The heads who may sign: no fallback to the whole department, only heads approve."""
    return list(User.objects.filter(is_active=True, is_head=True, role__in=roles))


def _tell_awaiting(definition: LeadDefinition, *, by: User) -> None:
    """The heads who sign are asked for their approval; management, who answers for the
    definition, is told it is pending. The proposer is not told their own proposal."""
    roles = SIGNING_ROLES
    version = definition.version
    link = reverse("leads:definition")
    signers = [head for head in _heads(roles) if head.pk != by.pk]
    informed = [person for person in managers() if person.pk != by.pk]
    notify_many(
        [
            Message(
                signers,
                lambda: (
                    _("Lead definition v%(version)s awaits your approval") % {"version": version}
                ),
                lambda: (
                    _(
                        "%(user)s asks you to review the proposed criteria. It becomes active "
                        "when a head of marketing and a head of sales have both approved it."
                    )
                    % {"user": by}
                ),
                link,
            ),
            Message(
                [person for person in informed if person not in signers],
                lambda: (
                    _("Lead definition v%(version)s awaits the heads' approval")
                    % {"version": version}
                ),
                lambda: (
                    _("Still to approve: %(departments)s.")
                    % {"departments": ", ".join(str(Role(role).label) for role in roles)}
                ),
                link,
            ),
        ]
    )


def _tell_active(definition: LeadDefinition, *, by: User) -> None:
    version = definition.version
    people = [p for p in [*_heads(SIGNING_ROLES), *managers()] if p.pk != by.pk]
    notify_many(
        [
            Message(
                people,
                lambda: _("Lead definition v%(version)s is now active") % {"version": version},
                lambda: _("New leads are qualified by its criteria from now on."),
                reverse("leads:definition"),
            )
        ]
    )
