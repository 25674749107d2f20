from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Outage(models.Model):
    """A period in which a periodic job (the SLA sweep) stopped checking in.

    At most one open outage per job: the partial unique constraint decides which watchdog
    opens it (and so tells management), and a conditional update decides which one closes it.
    """

    job = models.SlugField(_("job"), max_length=50)
    started_at = models.DateTimeField(_("noticed"))
    last_finished_at = models.DateTimeField(_("last finished run before"), null=True, blank=True)
    recovered_at = models.DateTimeField(_("recovered"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        constraints = [
            models.UniqueConstraint(
                fields=["job"],
                condition=Q(recovered_at__isnull=True),
                name="one_open_outage_per_job",
            )
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"
