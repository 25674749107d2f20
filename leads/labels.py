"""What people read for the free-text codes a lead carries (segment, region).

Segments and regions arrive as codes from forms, the API and CSV (``mid-market``,
``siberia``). Pages, reports and exports show a label: the translated name of a code the
product knows, otherwise the code made readable ("north-west" -> "North west"). The code
itself stays the key in filters, the API and the reports' ``key`` column.
"""

from django.utils.translation import gettext_lazy as _

SEGMENTS = {
    "smb": _("Small business"),
    "mid-market": _("Mid-market"),
    "enterprise": _("Enterprise"),
}
REGIONS = {
    "moscow": _("Moscow"),
    "spb": _("Saint Petersburg"),
    "ural": _("Urals"),
    "siberia": _("Siberia"),
    "south": _("South"),
}


def _readable(code: str) -> str:
    text = code.strip().replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


def segment_label(code: str | None) -> str:
    if not code:
        return ""
    return str(SEGMENTS.get(code.strip().lower(), "")) or _readable(code)


def region_label(code: str | None) -> str:
    if not code:
        return ""
    return str(REGIONS.get(code.strip().lower(), "")) or _readable(code)
