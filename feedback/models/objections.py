"""The objection library: what customers object, where it was heard, the answers."""

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


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
