"""scripts/restore_drill.sh: a dump of the database restores into a working Tandem."""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.conftest import REQUIRE_SERVICES

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "restore_drill.sh"


def database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dump_restores_into_a_working_tandem(make_lead, seller):
    missing = [tool for tool in ("pg_dump", "pg_restore", "createdb") if not shutil.which(tool)]
    if missing:
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but {missing} are not installed")
        pytest.skip(f"{missing} not installed")
    make_lead()
    make_lead()
    env = {**os.environ, "DATABASE_URL": database_url(), "PYTHON": sys.executable}
    result = subprocess.run(
        [shutil.which("bash") or "/bin/bash", str(SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "leads_lead: 2 rows" in result.stdout
    assert "restore drill passed" in result.stdout
    # The scratch database is gone again.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s",
            [connection.settings_dict["NAME"] + "_restore_drill"],
        )
        assert cursor.fetchone()[0] == 0
