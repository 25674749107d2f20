from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import Role


class DealStage(models.Model):
    """An ordered pipeline stage, editable by managers."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    allows_moving_back = models.BooleanField(
        _("deals may move back from here"),
        default=True,
        help_text=_("Off: a deal at this stage can only go forward or be closed."),
    )
    # The stage's row in the responsibility matrix: who may move deals into it, and whose
    # sign-off a deal needs before it moves past it.
    funnel_stage = models.OneToOneField(
        "org.FunnelStage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deal_stage",
        verbose_name=_("matrix row"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("deal stage")
        verbose_name_plural = _("deal stages")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from deals.services import deal_stage_validate

        deal_stage_validate(stage=self)

    @property
    def position(self) -> tuple[int, int]:
        """Where the stage sits in the pipeline; ties in ``order`` go by creation."""
        return (self.order, self.pk or 0)


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
            # The board (deals.selectors.deal_board): each column's first cards in its order,
            # and the columns' counts and amounts, from the open deals' index alone.
            models.Index(
                fields=["stage", "stage_changed_at", "id", "amount"],
                condition=Q(status="open"),
                name="deal_board_idx",
            ),
            # The board's "recently closed": the newest few without sorting every closed deal.
            models.Index(
                fields=["closed_at", "id"],
                condition=Q(status__in=["won", "lost"]),
                name="deal_closed_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PaymentQuerySet(models.QuerySet["Payment"]):
    def counted(self) -> "PaymentQuerySet":
        """The payments that are money received: every one not voided. Paid totals, revenue
        and KPIs read payments through this, and only this."""
        return self.filter(voided_at__isnull=True)


class Payment(models.Model):
    """Money received. Never deleted: a payment entered by mistake is voided with a reason,
    stays on record and stops counting."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    paid_at = models.DateTimeField(_("paid at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voided by"),
    )
    void_reason = models.TextField(_("why it was voided"), blank=True)
    history = HistoricalRecords()  # a payment corrected or voided stays on record

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["paid_at", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False, voided_by__isnull=False) & ~Q(void_reason="")),
                name="payment_void_has_who_when_why",
            ),
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


class StageApproval(models.Model):
    """A department's sign-off on a deal at a stage, as the matrix's hand-off rules require.
    A deal cannot move past the stage until every required sign-off exists."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="approvals")
    stage = models.ForeignKey(
        DealStage, on_delete=models.PROTECT, related_name="+", verbose_name=_("stage")
    )
    department = models.CharField(_("department"), max_length=20, choices=Role.choices)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed off by"),
    )
    approved_at = models.DateTimeField(_("signed off"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["approved_at", "id"]
        verbose_name = _("stage sign-off")
        verbose_name_plural = _("stage sign-offs")
        constraints = [
            # Decides races: two people signing off the same thing at once get one row.
            models.UniqueConstraint(
                fields=["deal", "stage", "department"], name="one_signoff_per_deal_stage_dept"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}/{self.stage_id}: {self.department}"
