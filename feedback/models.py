"""Structured feedback between the departments.

Lead-quality feedback and disputes travel from sales to marketing, objections and their
answers go both ways, weekly reviews turn talk into owned decisions, and briefs are sales'
written orders to marketing as an internal agency.
"""

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# --- Lead-quality feedback -------------------------------------------------------------------


class FeedbackTag(models.Model):
    """A reason a salesperson gives for a lead's rating. A controlled list, referred to by
    code: seeded on install, managers add more."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    label = models.CharField(_("label"), max_length=200)
    is_positive = models.BooleanField(
        _("speaks for the lead"),
        default=False,
        help_text=_("On: a sign of a good lead. Off: a complaint about its quality."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "label"]
        verbose_name = _("feedback tag")
        verbose_name_plural = _("feedback tags")

    def __str__(self) -> str:
        return self.label


RATING_MIN, RATING_MAX = 1, 5


class LeadFeedback(models.Model):
    """What a salesperson thinks of one lead's quality: one row per lead and author (a second
    opinion from the same person replaces the first)."""

    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.CASCADE,
        related_name="quality_feedback",
        verbose_name=_("lead"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)],
    )
    tags = models.ManyToManyField(
        FeedbackTag, blank=True, related_name="feedback", verbose_name=_("tags")
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("given"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead feedback")
        verbose_name_plural = _("lead feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=RATING_MIN) & Q(rating__lte=RATING_MAX),
                name="feedback_rating_1_to_5",
            ),
            models.UniqueConstraint(fields=["lead", "author"], name="one_feedback_per_lead_author"),
        ]
        indexes = [models.Index(fields=["created_at"], name="feedback_created_idx")]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.rating}/5"


# --- Disputes ------------------------------------------------------------------------------------


class Dispute(models.Model):
    """Sales says a lead is "not a lead by our definition"; marketing answers; a manager
    decides. An upheld dispute takes the lead out of marketing's counted leads."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting marketing")
        ACCEPTED = "accepted", _("Accepted by marketing")
        CONTESTED = "contested", _("Contested by marketing")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")

    UNDECIDED = (Status.OPEN, Status.ACCEPTED, Status.CONTESTED)
    ANSWERED = (Status.ACCEPTED, Status.CONTESTED)
    DECIDED = (Status.UPHELD, Status.REJECTED)

    lead = models.OneToOneField(
        "leads.Lead",
        on_delete=models.CASCADE,
        related_name="dispute",
        verbose_name=_("lead"),
        help_text=_("One dispute per lead: a decision is final."),
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raised by"),
    )
    definition = models.ForeignKey(
        "leads.LeadDefinition",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("definition"),
    )
    unmet_criteria = models.JSONField(_("unmet criteria"), default=list)
    comment = models.TextField(_("sales' comment"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("raised"), default=timezone.now)

    response_comment = models.TextField(_("marketing's answer"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)

    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "accepted", "contested", "upheld", "rejected"]),
                name="dispute_known_status",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["upheld", "rejected"]) | Q(decided_at__isnull=False),
                name="decided_dispute_has_decision",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="dispute_status_idx")]

    def __str__(self) -> str:
        return _("Dispute on lead %(lead)s") % {"lead": self.lead_id}

    @property
    def is_decided(self) -> bool:
        return self.status in self.DECIDED


# --- Objection library -------------------------------------------------------------------------


class Objection(models.Model):
    """Something customers object, in their words."""

    class Category(models.TextChoices):
        PRICE = "price", _("Price and budget")
        TIMING = "timing", _("Timing")
        COMPETITOR = "competitor", _("Competitor")
        TRUST = "trust", _("Trust and risk")
        NEED = "need", _("Need")
        AUTHORITY = "authority", _("Decision maker")
        PRODUCT = "product", _("Product fit")
        OTHER = "other", _("Other")

    text = models.CharField(_("objection"), max_length=300)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "text"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    category__in=[
                        "price",
                        "timing",
                        "competitor",
                        "trust",
                        "need",
                        "authority",
                        "product",
                        "other",
                    ]
                ),
                name="objection_known_category",
            )
        ]

    def __str__(self) -> str:
        return self.text


class ObjectionHeard(models.Model):
    """One time a customer raised an objection: on a lead (optionally at a touch) or a deal."""

    objection = models.ForeignKey(
        Objection, on_delete=models.CASCADE, related_name="occurrences", verbose_name=_("objection")
    )
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="objections_heard",
        verbose_name=_("lead"),
    )
    touch = models.ForeignKey(
        "leads.Touch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="objections_heard",
        verbose_name=_("touch"),
    )
    deal = models.ForeignKey(
        "deals.Deal",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="objections_heard",
        verbose_name=_("deal"),
    )
    note = models.TextField(_("note"), blank=True)
    heard_at = models.DateTimeField(_("heard"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-heard_at", "-id"]
        verbose_name = _("objection heard")
        verbose_name_plural = _("objections heard")
        constraints = [
            models.CheckConstraint(
                condition=Q(lead__isnull=False) | Q(deal__isnull=False),
                name="objection_heard_somewhere",
            )
        ]
        indexes = [
            models.Index(fields=["objection", "heard_at"], name="objection_heard_idx"),
            models.Index(fields=["heard_at"], name="objection_heard_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.objection_id} @ {self.heard_at:%Y-%m-%d}"


ANSWER_FILE_EXTENSIONS = ["pdf", "doc", "docx", "ppt", "pptx", "xls", "xlsx", "txt", "png", "jpg"]


class ObjectionAnswer(models.Model):
    """Marketing's answer to an objection: a text, optionally a link or a file to send."""

    objection = models.ForeignKey(
        Objection, on_delete=models.CASCADE, related_name="answers", verbose_name=_("objection")
    )
    text = models.TextField(_("answer"))
    link = models.URLField(_("link"), max_length=500, blank=True)
    file = models.FileField(
        _("file"),
        upload_to="objections/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(ANSWER_FILE_EXTENSIONS)],
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("answer to an objection")
        verbose_name_plural = _("answers to objections")

    def __str__(self) -> str:
        return self.text[:80]


class AnswerVote(models.Model):
    """A salesperson found the answer worked; the most-voted answers are "the best"."""

    answer = models.ForeignKey(ObjectionAnswer, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["answer", "user"], name="one_vote_per_answer_user")
        ]

    def __str__(self) -> str:
        return f"{self.answer_id} +1"


# --- Weekly reviews ------------------------------------------------------------------------------


class ReviewMeeting(models.Model):
    """A joint review of marketing and sales: deals, objections, and decisions with owners."""

    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="review_meetings", verbose_name=_("participants")
    )
    deals = models.ManyToManyField(
        "deals.Deal", blank=True, related_name="reviews", verbose_name=_("deals reviewed")
    )
    objections = models.ManyToManyField(
        Objection, blank=True, related_name="reviews", verbose_name=_("objections discussed")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("review meeting")
        verbose_name_plural = _("review meetings")

    def __str__(self) -> str:
        return self.title or _("Review of %(day)s") % {"day": self.held_on}


class ActionItem(models.Model):
    """A decision of a review meeting: what, who owns it, by when, and whether it is done."""

    meeting = models.ForeignKey(
        ReviewMeeting,
        on_delete=models.CASCADE,
        related_name="action_items",
        verbose_name=_("meeting"),
    )
    text = models.CharField(_("decision"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="action_items",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [models.Index(fields=["owner", "done_at"], name="action_item_owner_idx")]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


# --- Briefs --------------------------------------------------------------------------------------


class Brief(models.Model):
    """A written order from sales or management (the client) to marketing (the agency)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        IN_PROGRESS = "in_progress", _("In progress")
        DELIVERED = "delivered", _("Delivered")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned with comments")

    # Marketing still owes work on these; past the due date they are overdue.
    PENDING = (Status.DRAFT, Status.APPROVED, Status.IN_PROGRESS, Status.RETURNED)

    title = models.CharField(_("title"), max_length=200)
    goal = models.TextField(_("goal"))
    requirements = models.TextField(_("requirements"), blank=True)
    due_on = models.DateField(_("due"))
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="briefs",
        verbose_name=_("requester"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    marketing_warning = models.TextField(
        _("marketing's warning"),
        blank=True,
        help_text=_("Risks marketing sees before approval; the approving manager must answer."),
    )
    warned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("warned by"),
    )
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    risks = models.TextField(_("risks accepted on approval"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marketer"),
    )
    started_at = models.DateTimeField(_("work started"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("brief")
        verbose_name_plural = _("briefs")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "draft",
                        "approved",
                        "in_progress",
                        "delivered",
                        "accepted",
                        "returned",
                    ]
                ),
                name="brief_known_status",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="brief_status_due_idx"),
            models.Index(fields=["requester", "status"], name="brief_requester_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def response_seconds(self) -> float | None:
        """Marketing's response time: from the manager's approval to the start of work."""
        if self.approved_at is None or self.started_at is None:
            return None
        return (self.started_at - self.approved_at).total_seconds()


class BriefEvent(models.Model):
    """One step of a brief's life, with the comment given (e.g. why it was returned)."""

    brief = models.ForeignKey(Brief, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(
        _("from"), max_length=12, blank=True, choices=Brief.Status.choices
    )
    to_status = models.CharField(_("to"), max_length=12, choices=Brief.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("brief event")
        verbose_name_plural = _("brief events")

    def __str__(self) -> str:
        return f"{self.brief_id}: {self.from_status} → {self.to_status}"
