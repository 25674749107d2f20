from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running Tandem in production: health and readiness, metrics, the SLA sweep watchdog,
    the status page, request ids in logs, error reporting. Reads every domain, owned by none."""

    name = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from ops import signals

        signals.connect()
