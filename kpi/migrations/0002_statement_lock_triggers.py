"""The database refuses what the services refuse, whatever way a row is written.

- An approved statement and its lines can be neither updated nor deleted, and no line can be
  added to an approved statement (PostgreSQL: one trigger function on both tables; SQLite:
  the same rules as triggers). The error is an integrity violation (SQLSTATE 23000), so Django
  raises ``IntegrityError``.
- SQLite has no exclusion constraint: a trigger refuses overlapping periods there (PostgreSQL
  has ``kpi_period_no_overlap`` from 0001).
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION kpi_statement_locked() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'kpi_statement' THEN
        IF OLD.status = 'approved' THEN
            RAISE EXCEPTION 'statement % is approved and locked', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    ELSE
        IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
            SELECT 1 FROM kpi_statement WHERE id = OLD.statement_id AND status = 'approved'
        ) THEN
            RAISE EXCEPTION 'statement % is approved and locked', OLD.statement_id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
            SELECT 1 FROM kpi_statement WHERE id = NEW.statement_id AND status = 'approved'
        ) THEN
            RAISE EXCEPTION 'statement % is approved and locked', NEW.statement_id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER kpi_statement_locked
    BEFORE UPDATE OR DELETE ON kpi_statement
    FOR EACH ROW EXECUTE FUNCTION kpi_statement_locked();
CREATE TRIGGER kpi_statementline_locked
    BEFORE INSERT OR UPDATE OR DELETE ON kpi_statementline
    FOR EACH ROW EXECUTE FUNCTION kpi_statement_locked();
"""

POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS kpi_statementline_locked ON kpi_statementline;
DROP TRIGGER IF EXISTS kpi_statement_locked ON kpi_statement;
DROP FUNCTION IF EXISTS kpi_statement_locked();
"""

_LOCKED = "SELECT RAISE(ABORT, 'statement is approved and locked')"
SQLITE_UP = [
    f"""CREATE TRIGGER kpi_statement_no_update BEFORE UPDATE ON kpi_statement
        WHEN OLD.status = 'approved' BEGIN {_LOCKED}; END""",
    f"""CREATE TRIGGER kpi_statement_no_delete BEFORE DELETE ON kpi_statement
        WHEN OLD.status = 'approved' BEGIN {_LOCKED}; END""",
    f"""CREATE TRIGGER kpi_line_no_insert BEFORE INSERT ON kpi_statementline
        WHEN EXISTS (SELECT 1 FROM kpi_statement
                     WHERE id = NEW.statement_id AND status = 'approved')
        BEGIN {_LOCKED}; END""",
    f"""CREATE TRIGGER kpi_line_no_update BEFORE UPDATE ON kpi_statementline
        WHEN EXISTS (SELECT 1 FROM kpi_statement
                     WHERE id IN (OLD.statement_id, NEW.statement_id) AND status = 'approved')
        BEGIN {_LOCKED}; END""",
    f"""CREATE TRIGGER kpi_line_no_delete BEFORE DELETE ON kpi_statementline
        WHEN EXISTS (SELECT 1 FROM kpi_statement
                     WHERE id = OLD.statement_id AND status = 'approved')
        BEGIN {_LOCKED}; END""",
    """CREATE TRIGGER kpi_period_no_overlap_insert BEFORE INSERT ON kpi_period
        WHEN EXISTS (SELECT 1 FROM kpi_period
                     WHERE starts_on <= NEW.ends_on AND ends_on >= NEW.starts_on)
        BEGIN SELECT RAISE(ABORT, 'kpi_period_no_overlap'); END""",
    """CREATE TRIGGER kpi_period_no_overlap_update BEFORE UPDATE OF starts_on, ends_on
        ON kpi_period
        WHEN EXISTS (SELECT 1 FROM kpi_period
                     WHERE id <> NEW.id AND starts_on <= NEW.ends_on
                       AND ends_on >= NEW.starts_on)
        BEGIN SELECT RAISE(ABORT, 'kpi_period_no_overlap'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS kpi_statement_no_update",
    "DROP TRIGGER IF EXISTS kpi_statement_no_delete",
    "DROP TRIGGER IF EXISTS kpi_line_no_insert",
    "DROP TRIGGER IF EXISTS kpi_line_no_update",
    "DROP TRIGGER IF EXISTS kpi_line_no_delete",
    "DROP TRIGGER IF EXISTS kpi_period_no_overlap_insert",
    "DROP TRIGGER IF EXISTS kpi_period_no_overlap_update",
]


def _run(statements_by_vendor: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("kpi", "0001_periods_statements")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": [POSTGRES_UP], "sqlite": SQLITE_UP}),
            _run({"postgresql": [POSTGRES_DOWN], "sqlite": SQLITE_DOWN}),
        )
    ]
