from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class DealStage(models.Model):
    """An ordered pipeline stage, editable by managers."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("deal stage")
        verbose_name_plural = _("deal stages")

    def __str__(self) -> str:
        return self.name


class LostReason(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    label = models.CharField(_("label"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["label"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self) -> str:
        return self.label


class Deal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    lead = models.OneToOneField(
        "leads.Lead",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deal",
        verbose_name=_("lead"),
    )
    previous_deal = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeat_deals",
        verbose_name=_("repeat of"),
        help_text=_("For a repeat sale: the earlier deal with this customer."),
    )
    customer = models.CharField(_("customer"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=200)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="deals",
        verbose_name=_("owner"),
    )
    stage = models.ForeignKey(
        DealStage, on_delete=models.PROTECT, related_name="deals", verbose_name=_("stage")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    lost_reason = models.ForeignKey(
        LostReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
        verbose_name=_("lost reason"),
    )
    expected_close_on = models.DateField(_("expected close"), null=True, blank=True)
    # Attribution carried from the lead so revenue is credited to its source.
    channel = models.ForeignKey(
        "leads.Channel", on_delete=models.PROTECT, null=True, blank=True, related_name="deals"
    )
    campaign = models.ForeignKey(
        "leads.Campaign", on_delete=models.PROTECT, null=True, blank=True, related_name="deals"
    )
    form = models.ForeignKey(
        "leads.WebForm", on_delete=models.PROTECT, null=True, blank=True, related_name="deals"
    )
    segment = models.CharField(_("segment"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    stage_changed_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="lost") | Q(lost_reason__isnull=False),
                name="lost_deal_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status"], name="deal_owner_status_idx"),
            models.Index(fields=["stage", "status"], name="deal_stage_status_idx"),
            models.Index(fields=["channel", "created_at"], name="deal_channel_created_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Payment(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    paid_at = models.DateTimeField(_("paid at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_at", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")
        ]
        indexes = [models.Index(fields=["deal", "paid_at"], name="payment_deal_idx")]

    def __str__(self) -> str:
        return f"{self.amount} ({self.paid_at:%Y-%m-%d})"


class StageChange(models.Model):
    """The deal's stage history, shown on the deal page."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        DealStage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(DealStage, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.to_stage_id}"
