"""Joint KPIs and the shared bonus: periods, the head's ratings, statements and their lines.

The database guards what must never happen, whatever way a row is written:

- periods never overlap: an exclusion constraint over ``daterange(starts_on, ends_on, '[]')``
  on PostgreSQL (:class:`PostgresExclusion`; on SQLite a trigger in the migration refuses
  the overlap instead), plus the service's own check for a clear message;
- one approved statement per period (a partial unique constraint);
- an approved statement and its lines are never updated or deleted: a trigger
  (``kpi_statement_locked``, migration ``0002``) refuses it on both backends.
"""

from typing import Any

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org import periods
from org.models import Role


class DateRange(Func):
    """``daterange(start, end, '[]')``: the period's days, both ends included."""

    function = "DATERANGE"
    output_field = DateRangeField()


class PostgresExclusion(ExclusionConstraint):
    """An exclusion constraint that exists on PostgreSQL only.

    SQLite has no ``EXCLUDE``; there the migration adds a trigger with the same meaning, and
    the service checks first on every backend so people get a sentence, not an error code.
    """

    def constraint_sql(self, model: Any, schema_editor: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model: Any, schema_editor: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model: Any, schema_editor: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(
        self, model: Any, instance: Any, exclude: Any = None, using: str = "default"
    ) -> None:
        from django.db import connections

        if connections[using].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)


class Period(models.Model):
    """A stretch of days with a joint revenue goal and the bonus scheme that pays for it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), help_text=_("Inclusive."))
    revenue_goal = models.DecimalField(_("joint revenue goal"), max_digits=14, decimal_places=2)
    pool_percent = models.DecimalField(
        _("pool, percent of revenue"),
        max_digits=5,
        decimal_places=2,
        help_text=_("The share of the period's payments that funds the bonus pool."),
    )
    marketing_share = models.DecimalField(
        _("marketing's share of the pool, percent"),
        max_digits=5,
        decimal_places=2,
        help_text=_("Sales gets the rest."),
    )
    # How sales' pool is divided: a score per salesperson, each measure times its weight.
    weight_revenue = models.DecimalField(
        _("weight: revenue"), max_digits=5, decimal_places=2, default=50
    )
    weight_sla = models.DecimalField(
        _("weight: first-touch SLA"), max_digits=5, decimal_places=2, default=15
    )
    weight_hygiene = models.DecimalField(
        _("weight: CRM hygiene"), max_digits=5, decimal_places=2, default=15
    )
    weight_communication = models.DecimalField(
        _("weight: communication quality"), max_digits=5, decimal_places=2, default=10
    )
    weight_objections = models.DecimalField(
        _("weight: objection handling"), max_digits=5, decimal_places=2, default=10
    )
    # How marketing's pool is divided: an equal part and a part by deals from counted leads.
    weight_team = models.DecimalField(
        _("weight: marketing equal part"), max_digits=5, decimal_places=2, default=50
    )
    weight_deals = models.DecimalField(
        _("weight: marketing deals from counted leads"), max_digits=5, decimal_places=2, default=50
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    # Set once, by the conditional update that sends the "no approved statement" reminder.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    WEIGHT_FIELDS = (
        "weight_revenue",
        "weight_sla",
        "weight_hygiene",
        "weight_communication",
        "weight_objections",
        "weight_team",
        "weight_deals",
    )

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("KPI period")
        verbose_name_plural = _("KPI periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="kpi_period_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(revenue_goal__gte=0), name="kpi_period_goal_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(pool_percent__gte=0, pool_percent__lte=100),
                name="kpi_period_pool_percent_0_100",
            ),
            models.CheckConstraint(
                condition=Q(marketing_share__gte=0, marketing_share__lte=100),
                name="kpi_period_marketing_share_0_100",
            ),
            models.CheckConstraint(
                condition=Q(
                    weight_revenue__gte=0,
                    weight_sla__gte=0,
                    weight_hygiene__gte=0,
                    weight_communication__gte=0,
                    weight_objections__gte=0,
                    weight_team__gte=0,
                    weight_deals__gte=0,
                ),
                name="kpi_period_weights_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed"]), name="kpi_period_known_status"
            ),
            PostgresExclusion(
                name="kpi_period_no_overlap",
                expressions=[
                    (DateRange("starts_on", "ends_on", RangeBoundary()), RangeOperators.OVERLAPS)
                ],
                violation_error_message=_("This period overlaps another period."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on:%Y-%m-%d} - {self.ends_on:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def days(self) -> periods.Period:
        """Its calendar days as every report reads them: ``period.days.bounds()``."""
        return periods.Period(self.starts_on, self.ends_on)


class AttainmentStep(models.Model):
    """From this goal attainment up, the pool is multiplied by ``multiplier``."""

    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="steps", verbose_name=_("period")
    )
    attainment = models.DecimalField(
        _("attainment from"),
        max_digits=9,
        decimal_places=4,
        help_text=_("Revenue / goal, e.g. 1 for 100%."),
    )
    multiplier = models.DecimalField(_("multiplier"), max_digits=9, decimal_places=4)

    class Meta:
        ordering = ["period_id", "attainment"]
        verbose_name = _("attainment step")
        verbose_name_plural = _("attainment steps")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "attainment"], name="kpi_step_one_per_attainment"
            ),
            models.CheckConstraint(
                condition=Q(attainment__gte=0, multiplier__gte=0),
                name="kpi_step_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"≥ {self.attainment}: x {self.multiplier}"


class Rating(models.Model):
    """A sales head's ratings of one salesperson for one period (0..100 each)."""

    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("period")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="kpi_ratings",
        verbose_name=_("salesperson"),
    )
    communication = models.PositiveSmallIntegerField(_("communication quality"))
    objections = models.PositiveSmallIntegerField(_("objection handling"))
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rated by"),
    )
    rated_at = models.DateTimeField(_("rated"), default=timezone.now)

    class Meta:
        ordering = ["period_id", "user_id"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["period", "user"], name="kpi_rating_one_per_user"),
            models.CheckConstraint(
                condition=Q(communication__lte=100, objections__lte=100),
                name="kpi_rating_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.communication}/{self.objections}"


class Statement(models.Model):
    """One computed version of a period's bonus; approving it locks it for good."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="statements", verbose_name=_("period")
    )
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    revenue = models.DecimalField(_("revenue"), max_digits=14, decimal_places=2)
    attainment = models.DecimalField(
        _("attainment"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    multiplier = models.DecimalField(_("multiplier"), max_digits=9, decimal_places=4)
    pool = models.DecimalField(_("pool"), max_digits=14, decimal_places=2)
    marketing_pool = models.DecimalField(_("marketing pool"), max_digits=14, decimal_places=2)
    sales_pool = models.DecimalField(_("sales pool"), max_digits=14, decimal_places=2)
    inputs = models.JSONField(_("scheme and inputs"), default=dict)
    created_at = models.DateTimeField(_("computed"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("computed by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    class Meta:
        ordering = ["-period__starts_on", "-version"]
        verbose_name = _("bonus statement")
        verbose_name_plural = _("bonus statements")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "version"], name="kpi_statement_one_per_version"
            ),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(status="approved"),
                name="kpi_statement_one_approved_per_period",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "approved"]), name="kpi_statement_known_status"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", approved_at__isnull=True)
                | Q(status="approved", approved_at__isnull=False),
                name="kpi_statement_approved_has_when",
            ),
            models.CheckConstraint(
                condition=Q(pool__gte=0, marketing_pool__gte=0, sales_pool__gte=0)
                & Q(pool=F("marketing_pool") + F("sales_pool")),
                name="kpi_statement_pools_add_up",
            ),
        ]

    def __str__(self) -> str:
        return _("Statement %(period)s v%(version)s") % {
            "period": self.period,
            "version": self.version,
        }

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


# The departments paid from the pool (management is not).
BONUS_DEPARTMENTS = [
    (Role.MARKETING.value, Role.MARKETING.label),
    (Role.SALES.value, Role.SALES.label),
]


class StatementLine(models.Model):
    """One person's bonus in a statement, with the inputs and the formula that gave it."""

    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="lines", verbose_name=_("statement")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bonus_lines",
        verbose_name=_("person"),
    )
    department = models.CharField(
        _("department"),
        max_length=20,
        choices=BONUS_DEPARTMENTS,
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    breakdown = models.JSONField(_("breakdown"), default=dict)

    class Meta:
        ordering = ["statement_id", "department", "-amount", "user_id"]
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        constraints = [
            models.UniqueConstraint(fields=["statement", "user"], name="kpi_line_one_per_user"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="kpi_line_not_negative"),
            models.CheckConstraint(
                condition=Q(department__in=["marketing", "sales"]), name="kpi_line_known_dept"
            ),
        ]
        indexes = [models.Index(fields=["user", "statement"], name="kpi_line_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.amount}"
