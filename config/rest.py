"""API plumbing shared by every app: pagination, error shape and throttles."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, throttling
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class Pagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; ``?page_size=`` is clamped to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Any) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise exceptions.ValidationError(
                {"page_size": ["A whole number is required."]}
            ) from None
        if size < 1:
            raise exceptions.ValidationError({"page_size": ["Must be at least 1."]})
        return min(size, self.max_page_size)


class LargeTablePagination(Pagination):
    """``{"next", "previous", "results"}`` for lists that grow to millions of rows (leads):
    page-number links like every other list, but no exact ``count`` and the page's ids read
    first, narrow (``org.paging``), so the first and the 5,000th page cost the same fixed
    number of queries. ``next`` also carries the page's end (``after=``): followed, it enters
    the list there instead of counting rows up to it."""

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any]:
        from org.paging import CURSOR_PARAM, narrow_page, page_number

        self.request = request
        number = page_number(request.query_params.get(self.page_query_param))
        if number is None:
            raise exceptions.NotFound("Invalid page.")
        try:
            self.window = narrow_page(
                queryset,
                number=number,
                size=self.get_page_size(request),
                after=request.query_params.get(CURSOR_PARAM) or None,
            )
        except ValueError:
            raise exceptions.NotFound("Invalid page.") from None
        if number > 1 and not self.window.object_list:
            raise exceptions.NotFound("Invalid page.")
        return list(self.window.object_list)

    def get_next_link(self) -> str | None:
        from org.paging import CURSOR_PARAM

        if not self.window.has_next():
            return None
        url = self.request.build_absolute_uri()  # type: ignore[union-attr]
        url = replace_query_param(url, self.page_query_param, self.window.number + 1)
        if self.window.next_cursor:
            return replace_query_param(url, CURSOR_PARAM, self.window.next_cursor)
        return remove_query_param(url, CURSOR_PARAM)

    def get_previous_link(self) -> str | None:
        from org.paging import CURSOR_PARAM

        if not self.window.has_previous():
            return None
        url = remove_query_param(
            self.request.build_absolute_uri(),  # type: ignore[union-attr]
            CURSOR_PARAM,
        )
        if self.window.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.window.number - 1)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        from org.paging import CURSOR_PARAM

        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": "Where the page starts, as the previous page's `next` link "
                "gives it; a value it did not give is a 404.",
                "schema": {"type": "string", "maxLength": 400},
            },
        ]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        base = super().get_paginated_response_schema(schema)
        base["properties"].pop("count", None)
        base["required"] = [r for r in base.get("required", []) if r != "count"]
        return base


def validation_error_detail(exc: DjangoValidationError) -> Any:
    """Turn a Django ValidationError raised by a service into DRF's error object."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    return {"detail": " ".join(str(m) for m in exc.messages)}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: services raise Django's ValidationError, which becomes a 400."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)


def client_address(request: Any) -> str:
    """The client's address, one reading for the throttles and the login lockout.

    Behind ``DJANGO_NUM_PROXIES`` trusted proxies the client is that many entries from the
    right of ``X-Forwarded-For`` (what DRF's throttles do); with none it is ``REMOTE_ADDR``.
    """
    meta = request.META
    remote = meta.get("REMOTE_ADDR") or ""
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    proxies = api_settings.NUM_PROXIES
    if proxies is None:
        return "".join(forwarded.split()) if forwarded else remote
    if proxies == 0 or not forwarded:
        return remote
    hops = forwarded.split(",")
    return hops[-min(proxies, len(hops))].strip()


class FailOpenThrottleMixin:
    """A throttle whose cache (Redis) is down lets requests through instead of failing them.

    Losing a lead because the rate-limit store is unreachable is worse than admitting a few
    extra requests while it is down.
    """

    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except Exception:  # the cache backend's connection errors vary by client
            logger.warning("throttle cache unavailable; letting the request through", exc_info=True)
            return True

    def get_ident(self, request: Any) -> str:
        return client_address(request)


class AuthThrottle(FailOpenThrottleMixin, throttling.AnonRateThrottle):
    """Per client address on the token endpoint and the login page (``THROTTLE_AUTH``)."""

    scope = "auth"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class IntakeThrottle(FailOpenThrottleMixin, throttling.AnonRateThrottle):
    """Per client address on the public web-to-lead endpoint (``THROTTLE_INTAKE``)."""

    scope = "intake"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
