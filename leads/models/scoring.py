"""Lead scoring's tables (the code is ``leads.scoring``): the trained model, stored as data —
never a pickle, so it can be read, diffed, audited and loaded by any version of the code —
and the flags sent to marketers."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScoringModel(models.Model):
    """One trained version. The newest version is the one in use.

    A lead's score is ``1 / (1 + exp(calibration_a * z + calibration_b))`` where
    ``z = intercept + sum(weights[token])`` over the lead's tokens (``leads.scoring.features``);
    a token the model does not know adds nothing. ``calibration_a``/``_b`` are the sigmoid
    (Platt) calibration fitted on cross-validated predictions (``training.fit``).
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("trained"), default=timezone.now)
    closed_leads = models.PositiveIntegerField(_("closed leads"))
    converted_leads = models.PositiveIntegerField(_("converted leads"))
    # On the newest closed leads, held out of a model trained on the older ones; null when the
    # hold-out is too small or holds one outcome only.
    auc = models.FloatField(_("AUC on a time-ordered hold-out"), null=True, blank=True)
    holdout_leads = models.PositiveIntegerField(_("hold-out leads"), default=0)
    intercept = models.FloatField()
    weights = models.JSONField(default=dict)  # token -> weight (the vocabulary is its keys)
    calibration_a = models.FloatField(default=-1.0)
    calibration_b = models.FloatField(default=0.0)
    base_rate = models.FloatField(_("share converted"))
    # The predicted vs the actual rate per decile of the hold-out: [{"predicted", "actual", "n"}]
    calibration_table = models.JSONField(default=list, blank=True)
    seconds = models.FloatField(_("training time (s)"), default=0)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("scoring model")
        verbose_name_plural = _("scoring models")

    def __str__(self) -> str:
        return _("Scoring model v%(version)s") % {"version": self.version}


class ScoringFlag(models.Model):
    """A campaign whose new leads score poorly, told to its marketer: once per campaign and
    week (the unique constraint decides, whatever the number of trainings that week)."""

    campaign = models.ForeignKey(
        "leads.Campaign", on_delete=models.CASCADE, related_name="scoring_flags"
    )
    week = models.DateField(_("week"))  # its Monday, in TIME_ZONE
    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="flags")
    mean_score = models.FloatField()
    overall_mean = models.FloatField()
    leads = models.PositiveIntegerField()
    marketer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-week", "campaign"]
        verbose_name = _("poorly scoring campaign")
        verbose_name_plural = _("poorly scoring campaigns")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "week"], name="one_scoring_flag_per_week")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.week}"
