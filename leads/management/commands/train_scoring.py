from typing import Any

from django.core.management.base import BaseCommand

from leads.scoring.training import train_scoring


class Command(BaseCommand):
    help = (
        "Train the lead scoring model on the leads closed so far and rescore the open leads "
        "(the same code as the nightly Celery task). With too little history it trains "
        "nothing, says why and exits 0."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = train_scoring()
        model = result.model
        if model is None:
            self.stdout.write(f"No model trained. {result.reason}")
            return
        auc = f"{model.auc:.3f}" if model.auc is not None else "n/a (hold-out too small)"
        self.stdout.write(
            f"Scoring model v{model.version}: {model.closed_leads} closed leads "
            f"({model.converted_leads} converted), {len(model.weights)} feature values, "
            f"AUC on the newest {model.holdout_leads} {auc}, trained in {model.seconds} s; "
            f"{result.rescored} open leads rescored, {len(result.flagged)} campaigns flagged."
        )
