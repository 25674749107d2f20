"""Pages of tables that grow to millions of rows, for the API and the browser pages alike.

Two traps make a deep page of a big list slow, and this avoids both:

- ``COUNT(*)`` over the whole filtered table on every page (a million leads: tens of ms each
  time, for a number nobody reads exactly). The page knows whether a next page exists by
  reading one row more than it shows; the total shown is exact up to ``COUNT_CAP`` and
  "more than" beyond it (``SELECT count(*) FROM (... LIMIT cap + 1)``, bounded work).
- ``OFFSET`` over the full row with every join: the database builds and throws away all the
  joined rows before the page. Here the page's ids are read first, narrow (``id`` only,
  through the index that serves the ordering, no joins), then only those rows are loaded
  with everything a row renders (``select_related`` / ``prefetch_related`` of the queryset).

The number of queries is fixed: the ids, the rows (plus the queryset's prefetches) and, for
pages that show a total, the capped count.

A deep ``OFFSET`` still walks the index up to the page (page 5,000 of a million leads: 250,000
index entries, ~25 ms). So a page also knows its last row's position in the list's order, and
its "next" link carries it (``after=``, see ``Cursor``) beside the page number: following the
links, every page costs what the first costs (the index is entered at that position), and
rows added meanwhile do not shift the next page. A link without ``after`` (typed, bookmarked,
"previous") is read by its number, as before.
"""

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

COUNT_CAP = 10_000
CURSOR_PARAM = "after"


@dataclass
class NarrowPage:
    """One page; quacks like Django's ``Page`` where the templates and the API need it."""

    object_list: Sequence[Any]
    number: int
    size: int
    has_next_page: bool
    next_cursor: str = ""  # the next page's ``after=`` ("" when the order has no cursor)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self.has_next_page

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def page_number(raw: Any) -> int | None:
    """A page number from a query string value: None when it is not a positive integer."""
    if raw in (None, ""):
        return 1
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 10_000_000 else None


class Cursor:
    """A position in a queryset's order: the values of its ordering fields in one row, as an
    opaque URL-safe token. Only orders of non-null model fields have one (a keyset over NULLs
    needs more care than these lists need); others are paged by number alone."""

    def __init__(self, queryset: QuerySet[Any]) -> None:
        self.fields: list[tuple[str, bool]] = []  # (name, descending)
        ordering = queryset.query.order_by or queryset.model._meta.ordering
        for item in ordering:
            if not isinstance(item, str) or "__" in item or item.startswith("?"):
                self.fields = []
                return
            name = item.lstrip("-")
            meta = queryset.model._meta
            try:
                field = meta.pk if name == "pk" else meta.get_field(name)
            except FieldDoesNotExist:
                self.fields = []
                return
            if field.null or not field.concrete:
                self.fields = []
                return
            self.fields.append((field.attname, item.startswith("-")))
        self.model = queryset.model

    @property
    def names(self) -> list[str]:
        return [name for name, _desc in self.fields]

    def token(self, values: Sequence[Any]) -> str:
        # isoformat() itself: DjangoJSONEncoder would cut datetimes to milliseconds, and two
        # rows a microsecond apart would fall on the same position.
        raw = json.dumps(
            [v.isoformat() if hasattr(v, "isoformat") else v for v in values],
            cls=DjangoJSONEncoder,
            separators=(",", ":"),
        )
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def values(self, token: str) -> list[Any] | None:
        """The row values a token names, or None for a token this order did not make."""
        if len(token) > 400:  # a few values: anything longer was not made here
            return None
        try:
            raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            if not isinstance(raw, list) or len(raw) != len(self.fields):
                return None
            # clean(): parsed and inside the column's range, so a forged token is a 404, not
            # a database error
            values = [
                self.model._meta.get_field(name).clean(value, None)
                for (name, _desc), value in zip(self.fields, raw, strict=True)
            ]
        except (
            ValueError,
            TypeError,
            OverflowError,
            RecursionError,
            binascii.Error,
            ValidationError,
        ):
            return None
        # the tokens this makes carry their offsets; a naive time names no instant
        if any(isinstance(v, datetime) and timezone.is_naive(v) for v in values):
            return None
        return values

    def after(self, values: Sequence[Any]) -> Q:
        """Rows after ``values`` in the order: (a > x) or (a = x and b > y) or ..., each
        comparison flipped for a descending field; and a >= x besides, which says the same
        but lets the database enter the order's index at x instead of filtering from its
        start (PostgreSQL does not derive it from the OR)."""
        first, first_descending = self.fields[0]
        condition = Q()
        for i, (name, descending) in enumerate(self.fields):
            step = Q(
                **{
                    prev: value
                    for (prev, _d), value in zip(self.fields[:i], values[:i], strict=True)
                }
            )
            step &= Q(**{f"{name}__{'lt' if descending else 'gt'}": values[i]})
            condition |= step
        return Q(**{f"{first}__{'lte' if first_descending else 'gte'}": values[0]}) & condition


def narrow_page(
    queryset: QuerySet[Any], *, number: int, size: int, after: str | None = None
) -> NarrowPage:
    """Rows ``(number - 1) * size`` onwards of ``queryset`` in its own order (ids first); with
    ``after`` (a ``NarrowPage.next_cursor``), the ``size`` rows after that position instead,
    ``number`` then only naming the page. Raises ``ValueError`` for an ``after`` this order
    did not make."""
    cursor = Cursor(queryset)
    narrow = queryset.prefetch_related(None)
    if after:
        position = cursor.values(after) if cursor.fields else None
        if position is None:
            raise ValueError("not a position in this list")
        window = narrow.filter(cursor.after(position))
    else:
        offset = (number - 1) * size
        window = narrow[offset : offset + size + 1]  # type: ignore[assignment]
    if after:
        window = window[: size + 1]  # type: ignore[assignment]
    keys = list(window.values_list("pk", *cursor.names))
    has_next = len(keys) > size
    keys = keys[:size]
    ids = [key[0] for key in keys]
    rows: dict[Any, Model] = (
        {row.pk: row for row in queryset.filter(pk__in=ids).order_by()} if ids else {}
    )
    page = NarrowPage([rows[pk] for pk in ids if pk in rows], number, size, has_next)
    if has_next and cursor.fields:
        page.next_cursor = cursor.token(keys[-1][1:])
    return page


def capped_count(queryset: QuerySet[Any], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows, counting at most ``cap + 1``: (the count, whether it is exact)."""
    n = queryset.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n <= cap
