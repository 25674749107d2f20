"""Production settings refuse to start without a real secret key and allowed hosts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "p" + "r0d-K3y-" * 8


def _check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "crm.example.com"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "short", "DJANGO_ALLOWED_HOSTS": "x"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": GOOD_KEY}, "DJANGO_ALLOWED_HOSTS"),
        (
            {"DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "x", "DJANGO_DEBUG": "perhaps"},
            "DJANGO_DEBUG",
        ),
        (
            {"DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "x", "TIME_ZONE": "Mars/Base"},
            "TIME_ZONE",
        ),
        (
            {
                "DJANGO_SECRET_KEY": GOOD_KEY,
                "DJANGO_ALLOWED_HOSTS": "x",
                "PHONE_DEFAULT_REGION": "XX",
            },
            "PHONE_DEFAULT_REGION",
        ),
        (
            {"DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "x", "THROTTLE_INTAKE": "lots"},
            "THROTTLE_INTAKE",
        ),
        (
            {"DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "x", "HOLIDAYS_COUNTRY": "XX"},
            "HOLIDAYS_COUNTRY",
        ),
    ],
)
def test_production_refuses_bad_settings_naming_the_variable(env, named):
    result = _check(env)
    assert result.returncode != 0
    assert named in result.stderr


def test_check_deploy_is_clean_with_a_production_environment():
    result = _check(
        {"DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "crm.example.com"},
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "5 -c plan_cache_mode=force_generic_plan"),
        ({"DATABASE_PREPARED_STATEMENTS": "0"}, "None None"),
        (
            {
                "DATABASE_URL": "postgres://u@db.example/tandem?options=-c%20statement_timeout%3D5000"
            },
            "5 -c statement_timeout=5000 -c plan_cache_mode=force_generic_plan",
        ),
    ],
)
def test_prepared_statements_are_a_postgresql_setting_that_can_be_turned_off(env, expected):
    """The hot paths' prepared statements (org.sql.execute): psycopg's threshold and the
    generic plan mode, kept beside options a DATABASE_URL already carries; off with
    DATABASE_PREPARED_STATEMENTS=0 (a pooler that does not track them)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": "postgres://u@db.example/tandem",
            **env,
        }
    )
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "o = settings.DATABASES['default']['OPTIONS']; "
            "print(o.get('prepare_threshold'), o.get('options'))",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.stdout.strip() == expected, shown.stderr
