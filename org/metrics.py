"""Event metrics (Prometheus counters and histograms) that any app may count.

Defined here, in the bottom app, so leads, deals and the rest can count their events without
importing ``ops``, which serves them at ``/metrics``. Under a multi-process server set
``PROMETHEUS_MULTIPROC_DIR`` (see ``ops.metrics``) so the counts of every process add up.
"""

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "tandem_http_requests",
    "HTTP requests answered, per view (URL name), method and status code.",
    ["view", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "tandem_http_request_duration_seconds",
    "Time to answer an HTTP request, per view (URL name) and method.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CELERY_TASKS = Counter(
    "tandem_celery_tasks",
    "Celery tasks finished, per task name and outcome (success, failure, retry, rejected).",
    ["task", "outcome"],
)
CELERY_TASK_DURATION = Histogram(
    "tandem_celery_task_duration_seconds",
    "Time a Celery task ran, per task name.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0),
)
LEADS_CLAIMED = Counter("tandem_leads_claimed", "Leads claimed from the queue (claim next).")
LEADS_RECEIVED = Counter(
    "tandem_leads_received",
    "Lead intake requests, per source (api, form, csv, admin) and outcome (new, duplicate).",
    ["source", "outcome"],
)
