"""Weekly review meetings of marketing and sales and the decisions they take."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from feedback.models.objections import Objection


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
