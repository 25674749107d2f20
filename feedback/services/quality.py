"""Lead-quality feedback: a salesperson rates a lead they worked, with reason tags."""

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.models import RATING_MAX, RATING_MIN, FeedbackTag, LeadFeedback
from feedback.services.common import clean_text
from leads.models import Lead
from org.models import Role, User


def _check_rating(rating: object) -> int:
    # bool is an int in Python; True is not a rating.
    if isinstance(rating, bool) or not isinstance(rating, int):
        raise ValidationError({"rating": [_("A whole number from 1 to 5 is required.")]})
    if not RATING_MIN <= rating <= RATING_MAX:
        raise ValidationError({"rating": [_("The rating goes from 1 to 5.")]})
    return rating


def tags_by_code(codes: Sequence[str]) -> list[FeedbackTag]:
    """The active tags named by ``codes`` (repeats ignored); an unknown code is a 400."""
    wanted = list(dict.fromkeys(codes))
    found = {t.code: t for t in FeedbackTag.objects.filter(code__in=wanted, is_active=True)}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise ValidationError(
            {"tags": [_("Unknown tags: %(codes)s.") % {"codes": ", ".join(map(str, unknown))}]}
        )
    return [found[code] for code in wanted]


@transaction.atomic
def lead_feedback_give(
    *,
    lead: Lead,
    by: User,
    rating: int,
    tags: Sequence[str] = (),
    comment: str = "",
    now: datetime | None = None,
) -> tuple[LeadFeedback, bool]:
    """Record what the lead's owner thinks of its quality. A second opinion from the same
    person replaces the first; returns the feedback and whether it is new."""
    if not by.has_role(Role.SALES):
        raise PermissionDenied(_("Lead-quality feedback comes from sales."))
    rating = _check_rating(rating)
    chosen = tags_by_code(tags)
    comment = clean_text(comment, field="comment", required=False)
    now = now or timezone.now()
    # The lead's row lock serialises two posts by the same person (a double click).
    lead = Lead.objects.select_for_update(of=("self",)).get(pk=lead.pk)
    if lead.owner_id != by.pk:
        # Views and the API scope leads to the owner (404); this guards everything else.
        raise ValidationError(_("Only the lead's owner rates its quality."))
    feedback = LeadFeedback.objects.filter(lead=lead, author=by).first()
    created = feedback is None
    if feedback is None:
        try:
            with transaction.atomic():
                feedback = LeadFeedback.objects.create(
                    lead=lead, author=by, rating=rating, comment=comment, created_at=now
                )
        except IntegrityError:  # the unique constraint decided a race the lock did not see
            raise ValidationError(_("Your feedback on this lead was just saved; reload.")) from None
    else:
        feedback.rating = rating
        feedback.comment = comment
        feedback.save(update_fields=["rating", "comment", "updated_at"])
    feedback.tags.set(chosen)
    return feedback, created


@transaction.atomic
def feedback_tag_create(
    *, by: User, code: str, label: str, is_positive: bool = False
) -> FeedbackTag:
    """Managers extend the controlled list of reason tags."""
    if not by.has_role(Role.MANAGEMENT):
        raise PermissionDenied(_("Only managers add feedback tags."))
    code = (code or "").strip()
    try:
        validate_slug(code)
    except ValidationError:
        raise ValidationError(
            {"code": [_("Letters, digits, hyphens and underscores only.")]}
        ) from None
    if len(code) > 50:
        raise ValidationError({"code": [_("Keep the code under 50 characters.")]})
    label = clean_text(label, field="label", required=True, limit=200)
    if FeedbackTag.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("A tag with this code exists.")]})
    position = FeedbackTag.objects.count()
    return FeedbackTag.objects.create(
        code=code, label=label, is_positive=is_positive, position=position
    )
