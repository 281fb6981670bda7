"""The audit log: append-only, hash-chained, and verify names the first tampered entry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from catalog import audit
from tests.conftest import cli_env

pytestmark = pytest.mark.both_catalogs  # the catalog on SQLite and on PostgreSQL


def fill(lantai, n=5):
    with lantai.store.engine.begin() as conn:
        for i in range(n):
            audit.append(conn, "reviewer1", "decision", f"test-city/J1-{i}", {"to": "open"})


def tamper(lantai, *statements):
    """What someone with write access to the database file could do."""
    with lantai.store.engine.begin() as conn:
        on_table = " ON audit_log" if conn.dialect.name == "postgresql" else ""
        conn.execute(text(f"DROP TRIGGER audit_log_no_update{on_table}"))
        conn.execute(text(f"DROP TRIGGER audit_log_no_delete{on_table}"))
        for statement in statements:
            conn.execute(text(statement))


def test_an_intact_chain_verifies(lantai):
    fill(lantai)
    assert audit.verify(lantai.store.engine) == (5, None)
    newest = audit.entries(lantai.store.engine)[0]
    assert newest.seq == 5 and newest.detail == {"to": "open"}


def test_the_log_refuses_updates_and_deletes(lantai):
    fill(lantai, 2)
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), lantai.store.engine.begin() as c:
            c.execute(text(statement))


@pytest.mark.parametrize(
    ("statements", "first_bad", "says"),
    [
        (['UPDATE audit_log SET detail = \'{"to": "controlled"}\' WHERE seq = 3'], 3, "edited"),
        (["DELETE FROM audit_log WHERE seq = 2"], 3, "missing"),
        (
            [
                "UPDATE audit_log SET seq = 99 WHERE seq = 2",
                "UPDATE audit_log SET seq = 2 WHERE seq = 3",
                "UPDATE audit_log SET seq = 3 WHERE seq = 99",
            ],
            2,
            "does not follow",
        ),
        (["DELETE FROM audit_log WHERE seq = 5"], 5, "deleted"),
    ],
)
def test_verify_reports_the_first_tampered_entry(lantai, statements, first_bad, says):
    fill(lantai)
    tamper(lantai, *statements)
    seq, problem = audit.verify(lantai.store.engine)
    assert seq == first_bad and says in problem


def test_filters(lantai):
    fill(lantai, 3)
    with lantai.store.engine.begin() as conn:
        audit.append(conn, "admin", "user.add", "someone")
    assert [e.actor for e in audit.entries(lantai.store.engine, action="user.add")] == ["admin"]
    assert len(audit.entries(lantai.store.engine, subject="J1-")) == 3


def test_cli_verify_exit_codes(lantai, settings):
    fill(lantai)
    env = cli_env(settings)
    cli = str(Path(sys.executable).with_name("lantai"))
    ok = subprocess.run([cli, "audit", "verify"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "5 entries, chain intact" in ok.stderr
    tamper(lantai, "UPDATE audit_log SET actor = 'someone else' WHERE seq = 4")
    bad = subprocess.run([cli, "audit", "verify"], env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "entry 4 was edited" in bad.stderr
