"""Leads coming in: the batch body and its per-item judgement, and the public web-to-lead
endpoint."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import APIView

from config.parsers import BoundedJSONParser
from config.rest import IntakeThrottle
from leads import services
from leads.inputs import LeadInputSerializer
from leads.models import Campaign, Channel, WebForm
from org.inputs import TypedSerializer


class LeadBatchInputSerializer(TypedSerializer):
    """The batch body: ``{"leads": [...]}``, 1 to 1000 items. Each item is checked on its own
    by ``LeadInputSerializer``; a bad item is reported, not a reason to refuse the batch."""

    leads = serializers.ListField(
        child=serializers.JSONField(allow_null=True), min_length=1, max_length=services.BATCH_SIZE
    )


class LeadBatchSchemaSerializer(TypedSerializer):
    """The batch body as the OpenAPI schema shows it: what the server takes (any JSON item;
    items are meant to be shaped like ``POST /leads/``, anything else is reported invalid)."""

    leads = serializers.ListField(
        child=serializers.JSONField(allow_null=True),
        min_length=1,
        max_length=services.BATCH_SIZE,
        help_text=_(
            "Items shaped like the body of POST /leads/ (LeadInput); each is judged on its own "
            "and a bad one is reported as invalid in its result."
        ),
    )


class LeadBatchResultSerializer(TypedSerializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["created", "duplicate", "invalid"])
    id = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), allow_null=True
    )


class LeadBatchResponseSerializer(TypedSerializer):
    results = LeadBatchResultSerializer(many=True)


def lead_batch_results(items: list[Any], *, source: str, by: Any) -> list[dict[str, Any]]:
    """Judge a batch's items: validate each alone, then take the valid ones through the bulk
    intake in one transaction; one result per item, in order."""
    context = {  # one query each for the whole batch, not one per item
        "channels": {c.slug: c for c in Channel.objects.filter(is_active=True)},
        "campaigns": {c.slug: c for c in Campaign.objects.all()},
    }
    # One serializer checks every item, as DRF's ListSerializer does with its child: its
    # fields are built once, not once per item (that deep copy was most of the validation).
    validator = LeadInputSerializer(context=context)
    results: list[dict[str, Any]] = []
    valid: list[tuple[int, services.LeadInput]] = []
    for index, item in enumerate(items):
        try:
            attrs = validator.run_validation(item)
        except serializers.ValidationError as exc:
            detail = as_serializer_error(exc)
            errors = {k: [str(m) for m in v] for k, v in detail.items()}
            results.append({"index": index, "status": "invalid", "id": None, "errors": errors})
            continue
        valid.append((index, services.LeadInput(**attrs)))
        results.append({"index": index, "status": "created", "id": None, "errors": None})
    if valid:
        outcomes = services.lead_intake_many(
            items=[data for _, data in valid], source=source, by=by
        )
        for (index, _data), outcome in zip(valid, outcomes, strict=True):
            results[index]["id"] = outcome.lead.pk
            results[index]["status"] = "duplicate" if outcome.duplicate else "created"
    return results


class IntakeView(APIView):
    """Public web-to-lead endpoint: no login, no CSRF token; throttled per client address.

    The reply reveals nothing about existing leads: a new contact, a repeat of a known one
    (recorded on the open lead as through the API) and a honeypot hit (a filled-in
    ``website``: nothing stored) all answer ``201 {"received": true}``.
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [IntakeThrottle]
    # A plain HTML form on the company's site posts form-encoded data straight here.
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=LeadInputSerializer,
        responses={
            201: inline_serializer("IntakeReceived", {"received": serializers.BooleanField()})
        },
        auth=[],
    )
    def post(self, request: Request, form_slug: str) -> Response:
        form = get_object_or_404(
            WebForm.objects.select_related("channel", "campaign"), slug=form_slug, is_active=True
        )
        if not isinstance(request.data, dict):
            return Response(
                {"non_field_errors": [_("Expected a JSON object.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if not str(request.data.get("website", "")).strip():  # else a bot: store nothing
            data = LeadInputSerializer(data=request.data, context={"form": form})
            data.is_valid(raise_exception=True)
            services.lead_intake(data=data.to_lead_input(), source=services.Source.FORM)
        return Response({"received": True}, status=status.HTTP_201_CREATED)
