"""The OpenAPI schema's error responses, documented in one place (a drf-spectacular
postprocessing hook) so the schema says what the server answers (``docs/api.md``, Errors):

- ``400`` with DRF's field-error object wherever the client sends something (a body, query
  parameters): ``{"field": ["message"]}``, ``{"detail": "..."}`` or ``{"non_field_errors": [...]}``;
- ``401`` and ``403`` on every operation that needs a login (a role that may not do it at all,
  or an integration key used outside its purpose, is a 403);
- ``404`` where a path names an object (outside the caller's scope it does not exist) and on
  paginated lists (a page past the end);
- ``409`` where a record's state forbids the action (listed below by operation);
- ``413`` for a request body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``;
- ``429`` on throttled operations (token, public intake), with ``Retry-After``.

A response a view already documents keeps its description; only a missing body schema is
filled in.
"""

import re
import typing
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as _AutoSchema
from rest_framework import serializers
from rest_framework.throttling import BaseThrottle

ERROR = "ErrorDetail"
FIELD_ERRORS = "FieldErrors"

# Operations that answer 409 when the record's state forbids the action.
CONFLICTS = {
    "leads_claim_create": _("The caller already holds as many untouched leads as allowed"),
    "deals_payments_void_create": _("The payment was already voided"),
}

_DESCRIPTIONS = {
    "400": _("Invalid input: a field-error object"),
    "401": _("No valid credentials"),
    "403": _("The role (or the integration key's purpose) may not do this"),
    "404": _("Not found, or outside the caller's scope"),
    "409": _("The record's state forbids this"),
    "413": _("Request body too large"),
    "429": _("Throttled or locked out: retry after Retry-After seconds"),
}

_SCHEMAS: dict[str, Any] = {
    ERROR: {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    FIELD_ERRORS: {
        "type": "object",
        "description": str(
            _(
                'Field errors: {"field": ["message"]}, {"detail": "..."} or '
                '{"non_field_errors": [...]}; nested input has nested errors.'
            )
        ),
        "additionalProperties": {},
    },
}


def _ref(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _throttled_operations(generator: Any) -> set[tuple[str, str]]:
    """(path, method) of the operations whose view has a throttle."""
    throttled = set()
    for path, _regex, method, callback in generator.endpoints or []:
        view = getattr(callback, "cls", callback)
        classes = getattr(view, "throttle_classes", ()) or ()
        if any(isinstance(c, type) and issubclass(c, BaseThrottle) for c in classes):
            throttled.add((path, method.lower()))
    return throttled


def _is_public(operation: dict[str, Any]) -> bool:
    security = operation.get("security")
    return not security or {} in security


_SPECTACULAR_DECIMAL = re.compile(r"^\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$$")


def _fix_decimal_patterns(node: Any) -> None:
    """drf-spectacular's pattern for a decimal string (``^-?\\d{0,10}(?:\\.\\d{0,2})?$``) also
    matches ``""``, ``"-"`` and ``"."``, which are no numbers: require a digit."""
    if isinstance(node, dict):
        if "format" in node and {"maxLength": 0} in node.get("anyOf", []):
            del node["format"]  # a blank-allowed URL: the format is one of the alternatives
        pattern = node.get("pattern")
        match = _SPECTACULAR_DECIMAL.match(pattern) if isinstance(pattern, str) else None
        if match:
            whole, frac = match.groups()
            node["pattern"] = rf"^-?(?:\d{{1,{whole}}}(?:\.\d{{0,{frac}}})?|\.\d{{1,{frac}}})$"
        for value in node.values():
            _fix_decimal_patterns(value)
    elif isinstance(node, list):
        for value in node:
            _fix_decimal_patterns(value)


def _fix_parameter(parameter: dict[str, Any]) -> None:
    schema = parameter.get("schema", {})
    if parameter.get("in") == "query" and parameter.get("name") in ("page", "page_size"):
        schema["minimum"] = 1
    if schema.get("type") == "boolean" and "enum" in schema:
        del schema["enum"]  # django-filter lists "true"/"false" as strings of a boolean
    if (
        parameter.get("in") == "query"
        and not parameter.get("required")
        and parameter.get("name") not in ("page", "page_size")
    ):
        # An empty filter (``?owner=``, what a form sends for "any") means "not given".
        parameter["schema"] = {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


def document_errors(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_SCHEMAS)
    _fix_decimal_patterns(result)
    throttled = _throttled_operations(generator)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                _fix_parameter(parameter)
            codes: set[str] = set()
            if operation.get("requestBody") or any(p.get("in") == "query" for p in parameters):
                codes.add("400")
            if operation.get("requestBody"):
                codes.add("413")
            if not _is_public(operation):
                codes |= {"401", "403"}
            if any(p.get("in") == "path" for p in parameters) or any(
                p.get("in") == "query" and p.get("name") == "page" for p in parameters
            ):
                codes.add("404")
            if operation.get("operationId") in CONFLICTS:
                codes.add("409")
            if (path, method) in throttled:
                codes.add("429")
            responses = operation["responses"]
            codes |= {code for code in responses if code in _DESCRIPTIONS}
            for code in sorted(codes):
                response = responses.setdefault(code, {})
                if operation.get("operationId") in CONFLICTS and code == "409":
                    response.setdefault("description", str(CONFLICTS[operation["operationId"]]))
                response.setdefault("description", str(_DESCRIPTIONS[code]))
                if not response.get("description"):
                    response["description"] = str(_DESCRIPTIONS[code])
                if "content" not in response:
                    response["content"] = _ref(FIELD_ERRORS if code == "400" else ERROR)
                if code == "429":
                    response.setdefault("headers", {})["Retry-After"] = {
                        "schema": {"type": "integer"},
                        "description": str(_("Seconds to wait before retrying")),
                    }
    return result


# --- Field schemas that say what the server sends ------------------------------------------------
# A wall-clock time of day (business hours): no offset, so not RFC 3339 "time".
TIME_OF_DAY = {
    "type": "string",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
    "example": "09:00",
}


def _model_field(field: Any, flag: str) -> bool:
    """Whether the model field behind a serializer field has ``flag`` (``null``, ``blank``)
    somewhere along its source (a nullable foreign key on the way, or a reverse one-to-one that
    may be missing, makes the value null as well)."""
    from django.db.models import ForeignObjectRel

    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    if model is None:
        return False
    for attr in getattr(field, "source_attrs", None) or []:
        try:
            model_field = model._meta.get_field(attr)
        except Exception:
            return False  # a property or method: its annotation decides
        if isinstance(model_field, ForeignObjectRel):
            return bool(model_field.one_to_one)  # a reverse one-to-one may be missing
        if getattr(model_field, "null", False) or getattr(model_field, flag, False):
            return True
        model = getattr(model_field, "related_model", None)
        if model is None:
            return False
    return False


class AutoSchema(_AutoSchema):
    """drf-spectacular's schema, with the facts it misses: a read-only field over a nullable
    column is nullable, a blank-allowed URL may be empty and a time of day has no offset."""

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False):  # type: ignore[no-untyped-def]
        meta = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and meta.get("format") == "time":
            meta = {**{k: v for k, v in meta.items() if k != "format"}, **TIME_OF_DAY}
        if isinstance(field, serializers.URLField) and (
            getattr(field, "allow_blank", False) or _model_field(field, "blank")
        ):
            meta.pop("format", None)
            meta["anyOf"] = [{"format": "uri"}, {"maxLength": 0}]
        if (
            field.read_only
            and not meta.get("nullable")
            and (_model_field(field, "null") or _method_may_return_none(field))
        ):
            meta["nullable"] = True
        return meta


def _method_may_return_none(field: Any) -> bool:
    """A SerializerMethodField whose method is annotated ``-> X | None``."""
    if not isinstance(field, serializers.SerializerMethodField):
        return False
    method = getattr(field.parent, field.method_name, None)
    try:
        hints = typing.get_type_hints(method)
    except Exception:
        return False
    returned = hints.get("return")
    return returned is not None and type(None) in typing.get_args(returned)
