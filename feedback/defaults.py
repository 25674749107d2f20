"""The feedback tags a fresh install ships with (data migration and post_migrate, idempotent).
Managers add more in the admin or through the API; existing tags are left as they are."""

from typing import Any

from django.apps import apps as global_apps

# code, label, speaks for the lead
TAGS = [
    ("wrong_contacts", "Wrong or unreachable contacts", False),
    ("outside_segment", "Outside our target segment", False),
    ("no_need", "No real need", False),
    ("no_budget", "No budget", False),
    ("not_decision_maker", "Not a decision maker", False),
    ("just_browsing", "Just collecting information", False),
    ("job_seeker_or_student", "Job seeker or student", False),
    ("competitor", "Competitor or supplier fishing", False),
    ("duplicate", "Already our customer or a duplicate", False),
    ("ready_to_buy", "Ready to buy", True),
    ("knew_the_offer", "Knew the offer well", True),
    ("good_fit", "Good fit for our product", True),
]


def ensure_defaults(apps: Any = global_apps, using: str = "default") -> None:
    Tag = apps.get_model("feedback", "FeedbackTag")
    for position, (code, label, positive) in enumerate(TAGS):
        Tag.objects.using(using).get_or_create(
            code=code, defaults={"label": label, "is_positive": positive, "position": position}
        )
