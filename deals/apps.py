from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    """The pipeline from a qualified lead to the money: deals, stages, payments."""

    name = "deals"
    verbose_name = _("Deals")
