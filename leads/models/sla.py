"""SLA policies: how fast a lead must get its first touch."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from leads.models.reference import Channel


class SlaPolicy(models.Model):
    """How fast a lead must get its first touch. The most specific matching policy wins:
    channel + segment, then channel, then segment, then the default (neither)."""

    name = models.CharField(_("name"), max_length=100)
    first_response_minutes = models.PositiveIntegerField(
        _("first response (minutes)"), default=5, validators=[MinValueValidator(1)]
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_policies",
        verbose_name=_("channel"),
    )
    segment = models.CharField(_("segment"), max_length=50, blank=True)
    business_hours_start = models.TimeField(_("working day starts"), null=True, blank=True)
    business_hours_end = models.TimeField(_("working day ends"), null=True, blank=True)
    working_days = models.JSONField(
        _("working days"),
        default=list,
        blank=True,
        help_text=_("ISO weekdays counted as working, 1 = Monday … 7 = Sunday."),
    )
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_minutes__gte=1), name="sla_minutes_positive"
            ),
            models.UniqueConstraint(
                fields=["channel", "segment"],
                condition=Q(channel__isnull=False),
                name="one_sla_policy_per_channel_segment",
            ),
            models.UniqueConstraint(
                fields=["segment"],
                condition=Q(channel__isnull=True),
                name="one_sla_policy_per_segment",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_business_hours(self) -> bool:
        return self.business_hours_start is not None and self.business_hours_end is not None
