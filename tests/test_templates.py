"""The pages' shared plumbing stays in one place: one stylesheet, one pager."""

from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_no_template_carries_its_own_css():
    # Every page's look is static/css/tandem.css, linked from base.html (and the 500 and 503
    # pages, which render without the database and so without base.html's context).
    offenders = [str(p) for p in _templates() if "<style" in p.read_text()]
    assert offenders == []
    linking = sorted(p.name for p in _templates() if 'rel="stylesheet"' in p.read_text())
    assert linking == ["500.html", "503.html", "base.html"]


def test_every_list_uses_the_one_pager():
    pager = TEMPLATES / "_pagination.html"
    copies = [str(p) for p in _templates() if p != pager and 'class="pagination"' in p.read_text()]
    assert copies == []
    users = [p for p in _templates() if '"_pagination.html"' in p.read_text()]
    assert len(users) >= 6
