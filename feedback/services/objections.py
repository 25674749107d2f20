"""The objection library: what customers object, where it was heard, and marketing's answers."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Deal
from feedback.models import (
    ANSWER_FILE_EXTENSIONS,
    AnswerVote,
    Objection,
    ObjectionAnswer,
    ObjectionHeard,
)
from feedback.services.common import check_not_future, clean_text, link
from leads.models import Lead, Touch
from org.audit import save_audited
from org.models import Role, User
from org.services import notify

ANSWER_FILE_MAX_BYTES = 10 * 1024 * 1024
# How far back "who heard it lately" reaches when marketing posts a new answer.
RECENT_DAYS = 60


@transaction.atomic
def objection_create(
    *, by: User, text: str, category: str, now: datetime | None = None
) -> Objection:
    """Anyone may add what customers object; the same wording twice is refused."""
    text = clean_text(text, field="text", required=True, limit=300)
    if category not in Objection.Category.values:
        raise ValidationError(
            {
                "category": [
                    _("Unknown category; choose one of: %(codes)s.")
                    % {"codes": ", ".join(Objection.Category.values)}
                ]
            }
        )
    if Objection.objects.filter(text__iexact=text).exists():
        raise ValidationError({"text": [_("This objection is already in the library.")]})
    objection = Objection(
        text=text, category=category, created_by=by, created_at=now or timezone.now()
    )
    save_audited(objection, by=by, reason="added", at=objection.created_at)
    return objection


def _place(
    *, by: User, lead: Lead | None, touch: Touch | None, deal: Deal | None
) -> tuple[Lead | None, Touch | None, Deal | None]:
    """Work out and check where the objection was heard: the touch names its lead, a deal
    names the lead it came from; all of them must agree and belong to the caller (sales)."""
    if lead is None and touch is None and deal is None:
        raise ValidationError(_("Say where it was heard: a lead, a touch or a deal."))
    if touch is not None:
        if lead is not None and touch.lead_id != lead.pk:
            raise ValidationError({"touch": [_("This touch belongs to another lead.")]})
        lead = touch.lead
    if deal is not None:
        if lead is not None and deal.lead_id is not None and deal.lead_id != lead.pk:
            raise ValidationError({"deal": [_("This deal did not come from this lead.")]})
        if lead is None and deal.lead_id is not None:
            lead = deal.lead
    if by.has_role(Role.SALES):
        # The API and pages show only the caller's own leads and deals (404); this guards
        # every other entry point.
        if deal is not None and deal.owner_id != by.pk:
            raise ValidationError({"deal": [_("Only the deal's owner records what was heard.")]})
        if deal is None and lead is not None and lead.owner_id != by.pk:
            raise ValidationError({"lead": [_("Only the lead's owner records what was heard.")]})
    return lead, touch, deal


@transaction.atomic
def objection_record_heard(
    *,
    objection: Objection,
    by: User,
    lead: Lead | None = None,
    touch: Touch | None = None,
    deal: Deal | None = None,
    note: str = "",
    heard_at: datetime | None = None,
    now: datetime | None = None,
) -> ObjectionHeard:
    """A customer raised this objection on a lead (at a touch) or a deal."""
    if not by.has_role(Role.SALES, Role.MANAGEMENT):
        raise PermissionDenied(_("Sales record the objections customers raise."))
    if not objection.is_active:
        raise ValidationError({"objection": [_("This objection is archived.")]})
    note = clean_text(note, field="note", required=False)
    now = now or timezone.now()
    lead, touch, deal = _place(by=by, lead=lead, touch=touch, deal=deal)
    if heard_at is None:
        heard_at = touch.at if touch is not None else now
    check_not_future(heard_at, now, field="heard_at")
    return ObjectionHeard.objects.create(
        objection=objection,
        lead=lead,
        touch=touch,
        deal=deal,
        note=note,
        heard_at=heard_at,
        recorded_by=by,
    )


def _check_file(file: UploadedFile | None) -> None:
    if file is None:
        return
    extension = (file.name or "").rsplit(".", 1)[-1].lower() if "." in (file.name or "") else ""
    if extension not in ANSWER_FILE_EXTENSIONS:
        raise ValidationError(
            {
                "file": [
                    _("Attach one of: %(types)s.") % {"types": ", ".join(ANSWER_FILE_EXTENSIONS)}
                ]
            }
        )
    if file.size is not None and file.size > ANSWER_FILE_MAX_BYTES:
        raise ValidationError({"file": [_("The file is larger than 10 MB.")]})


@transaction.atomic
def answer_add(
    *,
    objection: Objection,
    by: User,
    text: str,
    link_url: str = "",
    file: UploadedFile | None = None,
    now: datetime | None = None,
) -> ObjectionAnswer:
    """Marketing attaches an answer (text, and a link or a file to send the customer).
    Salespeople who heard the objection lately are told."""
    if not by.has_role(Role.MARKETING, Role.MANAGEMENT):
        raise PermissionDenied(_("Marketing provides the answers to objections."))
    text = clean_text(text, field="text", required=True)
    link_url = (link_url or "").strip()
    if link_url:
        try:
            URLValidator(schemes=["http", "https"])(link_url)
        except ValidationError:
            raise ValidationError({"link": [_("Enter a full http(s) address.")]}) from None
        if len(link_url) > 500:
            raise ValidationError({"link": [_("Keep the address under 500 characters.")]})
    _check_file(file)
    now = now or timezone.now()
    answer = ObjectionAnswer(
        objection=objection, text=text, link=link_url, author=by, created_at=now
    )
    if file is not None:
        answer.file = file  # type: ignore[assignment]
    save_audited(answer, by=by, reason="answered", at=now)
    heard_by = User.objects.filter(
        pk__in=ObjectionHeard.objects.filter(
            objection=objection, heard_at__gte=now - timedelta(days=RECENT_DAYS)
        ).values("recorded_by"),
        is_active=True,
    ).exclude(pk=by.pk)
    notify(
        recipients=list(heard_by),
        subject=lambda: _("New answer to “%(objection)s”") % {"objection": objection.text[:120]},
        body=text[:500],
        link=link("feedback:objection", objection.pk),
    )
    return answer


def answer_vote(*, answer: ObjectionAnswer, by: User) -> bool:
    """A salesperson says the answer worked; once per person. Returns whether it is new."""
    if not by.has_role(Role.SALES):
        raise PermissionDenied(_("Salespeople vote for the answers that work."))
    if not answer.is_active:
        raise ValidationError(_("This answer is archived."))
    try:
        with transaction.atomic():
            AnswerVote.objects.create(answer=answer, user=by)
    except IntegrityError:  # already voted: the unique constraint decides, even in a race
        return False
    return True
