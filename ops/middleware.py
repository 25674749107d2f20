"""Operations middleware; all three go first in MIDDLEWARE, in this order."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ops import logs
from org.metrics import HTTP_LATENCY, HTTP_REQUESTS

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
Handler = Callable[[HttpRequest], HttpResponse]


class RequestIdMiddleware:
    """Give every request an id (the proxy's ``X-Request-ID`` when sane), put it in the logs'
    context and send it back in the response's ``X-Request-ID``."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = logs.new_request_id(request.headers.get(logs.HEADER))
        request.request_id = rid  # type: ignore[attr-defined]
        token = logs.request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            logs.request_id.reset(token)
        response[logs.HEADER] = rid
        return response


class OpsEndpointsMiddleware:
    """Answer ``/healthz``, ``/readyz`` and ``/metrics`` before anything else runs.

    Load balancers, orchestrators and Prometheus call the pod's address over plain HTTP: these
    answers must not depend on ALLOWED_HOSTS, the https redirect, sessions or the database
    connection of the request (``/healthz`` touches nothing at all).
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from ops import views

        endpoint = views.OPS_ENDPOINTS.get(request.path_info)
        if endpoint is not None:
            return endpoint(request)
        return self.get_response(request)


class RequestMetricsMiddleware:
    """Count requests and their latency per view (the URL name, so ids in paths do not
    multiply the series; unmatched paths count as ``<unresolved>``)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        began = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "<unresolved>"
        method = request.method if request.method in _METHODS else "other"
        HTTP_LATENCY.labels(view, method).observe(time.perf_counter() - began)
        HTTP_REQUESTS.labels(view, method, str(response.status_code)).inc()
        return response
