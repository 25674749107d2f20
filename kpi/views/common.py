"""What every report page shares: the filters and the validate / render / export flow.

Every page validates its query with ``report_query`` — the API's code path — and calls the
same report service; bad input re-renders the filters with the message and status 400.
``?export=csv`` on a page downloads its table instead.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from kpi.reports import GROUPINGS, ReportQuery, report_query
from leads.models import Campaign, Channel

CHART_GROUPS = 12  # charts show the largest groups; the table below shows all of them


class ReportFilterForm(forms.Form):
    """Only renders the filters; ``report_query`` validates them (one path with the API).

    The fields carry the API's parameter names, ``from`` and ``to`` included.
    """

    group_by = forms.ChoiceField(label=gettext_lazy("Group by"), required=False)
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("All channels"),
        label=gettext_lazy("Channel"),
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("All campaigns"),
        label=gettext_lazy("Campaign"),
    )

    def __init__(
        self, *args: Any, groupings: tuple[str, ...], campaigns: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if len(groupings) > 1:
            self.fields["group_by"].choices = [(g, GROUPINGS[g]) for g in groupings]  # type: ignore[attr-defined]
        else:
            del self.fields["group_by"]
        if campaigns is not None:
            self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]
            del self.fields["channel"]
        for name, label in (("from", gettext_lazy("From")), ("to", gettext_lazy("To"))):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )


def _filter_form(
    request: HttpRequest, query: ReportQuery | None, **kwargs: Any
) -> ReportFilterForm:
    """The filters as asked, showing the dates the report used when they were left empty."""
    initial: dict[str, Any] = {name: request.GET.get(name) for name in request.GET}
    if query is not None:
        initial.update(
            group_by=query.group_by, **{"from": query.period.start, "to": query.period.end}
        )
    return ReportFilterForm(initial=initial, **kwargs)


def report_page(
    request: HttpRequest,
    template: str,
    *,
    groupings: tuple[str, ...],
    build: Callable[[ReportQuery], dict[str, Any]],
    export: Callable[[ReportQuery], HttpResponseBase],
    form_kwargs: dict[str, Any] | None = None,
) -> HttpResponseBase:
    """Validate the query; then the CSV download, or the page built by ``build``."""
    form_kwargs = form_kwargs or {}
    params = {k: request.GET.get(k, "") for k in ("group_by", "from", "to", "channel", "campaign")}
    params["group_by"] = params["group_by"] or groupings[0]
    try:
        query = report_query(params=params, groupings=groupings)
    except ValidationError as exc:
        context = {
            "form": _filter_form(request, None, groupings=groupings, **form_kwargs),
            "errors": [
                f"{field}: {message}"
                for field, messages in exc.message_dict.items()
                for message in messages
            ],
        }
        return render(request, template, context, status=400)
    if request.GET.get("export") == "csv":
        return export(query)
    query_string = request.GET.copy()
    query_string.pop("export", None)
    query_string.pop("page", None)
    context = build(query)
    context.update(
        form=_filter_form(request, query, groupings=groupings, **form_kwargs),
        query=query,
        query_string=query_string.urlencode(),
        grouping_label=GROUPINGS[query.group_by],
    )
    return render(request, template, context)


def csv_filename(kind: str, query: ReportQuery) -> str:
    return f"{kind}-{query.group_by}-{query.period.start}-{query.period.end}.csv"
