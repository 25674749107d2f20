"""Request parsers of the API (``DEFAULT_PARSER_CLASSES``). Kept apart from ``config.rest``:
DRF imports these while defining ``APIView``, so this module must not import DRF's views."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

JSON_MAX_DEPTH = 32  # no request of the contract nests deeper than a few levels


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects, iteratively (no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > JSON_MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a nesting limit: a body nested deeper than ``JSON_MAX_DEPTH``
    (100,000 ``[`` exhausts Python's recursion inside the decoder) is a 400, not a 500."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_too_deep()) from None
        if _depth(data) > JSON_MAX_DEPTH:
            raise exceptions.ParseError(_too_deep())
        return data


def _too_deep() -> str:
    return _("JSON parse error - nested deeper than %(depth)d levels.") % {"depth": JSON_MAX_DEPTH}
