"""What every app's browser pages share: the role gate, a refusal or a form's errors as one
line for a message, the safe way back after an action, a page of a short list, and the links
of a list's rows.

The API has its own equivalents (``org.permissions`` for roles, DRF for errors and paging);
``org.paging`` pages the lists that grow to millions of rows.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def role_required(*roles: str) -> Callable[[View], View]:
    """Logged in (else the login page) and in one of ``roles``; anyone else gets 403."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.has_role(*roles):  # type: ignore[union-attr]
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return cast(View, wrapped)

    return decorator


def error_text(exc: ValidationError) -> str:
    """A service's refusal as one line for ``messages.error`` (every message, field ones too)."""
    return " ".join(exc.messages)


def form_errors(form: Any) -> str:
    """A bound form's errors as one line for ``messages.error``, each after its field's label."""
    return " ".join(
        f"{form.fields[name].label}: {' '.join(errors)}"
        if name in form.fields
        else " ".join(errors)
        for name, errors in form.errors.items()
    )


def back(request: HttpRequest, fallback: str, *args: Any) -> HttpResponse:
    """Back where the action came from (the form's ``next``), never off-site; else to
    ``fallback`` (a URL, or a URL name with ``args``)."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect(fallback, *args)


def paginate(request: HttpRequest, items: Any, per_page: int = 50) -> tuple[Page, str]:
    """A page of a short list (Django's paginator: it counts) and the query string without
    ``page`` for the pager's links (``templates/_pagination.html``)."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def url_per_row(name: str) -> Callable[[int], str]:
    """The URL named ``name`` (one integer argument, a row's id) as a function of the id:
    ``reverse`` runs once, each row's link is one string format. A list of a hundred rows
    with two links each spent more time in ``{% url %}`` than in its query."""
    marker = 2_147_483_647  # no path segment of the prefix is this number
    head, _marker, tail = reverse(name, args=[marker]).rpartition(str(marker))
    return lambda pk: f"{head}{int(pk)}{tail}"
