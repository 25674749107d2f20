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
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet

COUNT_CAP = 10_000


@dataclass
class NarrowPage:
    """One page; quacks like Django's ``Page`` where the templates and the API need it."""

    object_list: Sequence[Any]
    number: int
    size: int
    has_next_page: bool

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


def narrow_page(queryset: QuerySet[Any], *, number: int, size: int) -> NarrowPage:
    """Rows ``(number - 1) * size`` onwards of ``queryset`` in its own order (ids first)."""
    offset = (number - 1) * size
    ids = list(
        queryset.prefetch_related(None).values_list("pk", flat=True)[offset : offset + size + 1]
    )
    has_next = len(ids) > size
    ids = ids[:size]
    rows: dict[Any, Model] = (
        {row.pk: row for row in queryset.filter(pk__in=ids).order_by()} if ids else {}
    )
    return NarrowPage([rows[pk] for pk in ids if pk in rows], number, size, has_next)


def capped_count(queryset: QuerySet[Any], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows, counting at most ``cap + 1``: (the count, whether it is exact)."""
    n = queryset.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n <= cap
