"""Lead-quality feedback: a salesperson rates a lead, with reason tags."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
