"""Helpers the feedback services share: text checks, who answers for marketing, links.
Audited saves are ``org.audit.save_audited``."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from leads.models import Lead
from org.models import Role, User
from org.services import heads_of

TEXT_LIMIT = 5000


def clean_text(value: str, *, field: str, required: bool, limit: int = TEXT_LIMIT) -> str:
    """Strip a free-text input; refuse an empty required one or one that is too long."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [_("This field may not be blank.")]})
    if len(value) > limit:
        raise ValidationError(
            {field: [_("Keep it under %(limit)d characters.") % {"limit": limit}]}
        )
    return value


def campaign_marketers(lead: Lead) -> list[User]:
    """Who answers for marketing about a lead: the marketer who owns its campaign, or, when
    the lead has no campaign or the campaign no active marketing owner, marketing's heads."""
    owner = lead.campaign.owner if lead.campaign is not None else None
    if owner is not None and owner.has_role(Role.MARKETING):
        return [owner]
    return heads_of(Role.MARKETING)


def may_answer_for_marketing(user: User, lead: Lead) -> bool:
    """The campaign's marketer or any head of marketing."""
    if not user.has_role(Role.MARKETING):
        return False
    return user.is_head or any(m.pk == user.pk for m in campaign_marketers(lead))


def link(name: str, pk: int) -> str:
    return reverse(name, args=[pk])


def check_not_future(moment: datetime, now: datetime, *, field: str) -> None:
    """Allow a little clock skew between the caller and us, nothing more."""
    if moment > now + timedelta(minutes=5):
        raise ValidationError({field: [_("This cannot be in the future.")]})
