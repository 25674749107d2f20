from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    """Joint KPIs, bonuses and closed-loop funnel analytics (reads every other app)."""

    name = "kpi"
    verbose_name = _("KPIs and reports")
