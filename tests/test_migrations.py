"""Versioned migrations: a catalog of the previous release upgrades and keeps everything; the
migrated schema is exactly the code's; a catalog newer than the code is refused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from catalog.migrate import head_revision
from catalog.schema import metadata
from config import load_settings
from tests.conftest import cli_env

REPO = Path(__file__).resolve().parent.parent
RELEASE_0_1 = REPO / "tests" / "fixtures" / "catalog-0.1" / "catalog.sqlite"
LANTAI = str(Path(sys.executable).with_name("lantai"))

pytestmark = pytest.mark.both_catalogs  # the catalog on SQLite and on PostgreSQL


def lantai(settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LANTAI, *args],
        env=cli_env(settings, LANTAI_INGEST_ENTITIES="false"),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def release_0_1(tmp_path):
    """Settings on a copy of the catalog that release 0.1 made."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(RELEASE_0_1, data / "catalog.sqlite")
    return load_settings(env={}, data_dir=str(data))


def test_a_catalog_of_release_0_1_upgrades_and_keeps_everything(release_0_1):
    engine = create_engine(release_0_1.catalog_url)
    with engine.connect() as conn:
        assert "alembic_version" not in {
            r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
        }
    engine.dispose()

    upgraded = lantai(release_0_1, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"upgraded from revision (none) to {head_revision()}" in upgraded.stderr
    again = lantai(release_0_1, "db", "upgrade")
    assert "nothing to do" in again.stderr

    verify = lantai(release_0_1, "audit", "verify")
    assert verify.returncode == 0 and "5 entries, chain intact" in verify.stderr
    users = json.loads(lantai(release_0_1, "user", "list", "--json").stdout)
    assert {(u["name"], u["role"]) for u in users} == {("shen", "reviewer"), ("admin1", "admin")}
    status = lantai(
        release_0_1, "review", "status", "J001-004-0004", "J001-004-0001", "--archive", "baoji-city", "--json"
    )
    assert [s["access"] for s in json.loads(status.stdout)] == ["open", "controlled"]

    reindexed = lantai(release_0_1, "reindex")
    assert reindexed.returncode == 0 and "12 records indexed" in reindexed.stderr, reindexed.stderr
    found = json.loads(lantai(release_0_1, "search", "土地改革", "--json").stdout)
    assert "baoji-city/J001-001-0001" in {h["id"] for h in found["hits"]}
    assert found["hits"][0]["pages"] == [1]
    # the record the reviewer opened is public, the one put under control is not
    opened = json.loads(lantai(release_0_1, "search", "南方谈话", "--json").stdout)
    assert [h["id"] for h in opened["hits"]] == ["baoji-city/J001-004-0004"]


def test_a_new_catalog_has_exactly_the_schema_of_the_code(settings):
    from app.runtime import open_lantai

    open_lantai(settings).close()
    engine = create_engine(settings.catalog_url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
            assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    finally:
        engine.dispose()


def test_the_audit_log_of_a_migrated_catalog_is_still_append_only(settings):
    from catalog import audit
    from catalog.store import CatalogStore

    settings.data_dir.mkdir(parents=True)
    store = CatalogStore(settings.catalog_url)
    try:
        with store.engine.begin() as conn:
            audit.append(conn, "shen", "decision", "baoji-city/J1")
        with pytest.raises(Exception, match="append-only"), store.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET actor = 'someone else'"))
    finally:
        store.close()


def test_a_catalog_newer_than_the_code_is_refused_with_a_message(settings):
    from app.runtime import open_lantai

    open_lantai(settings).close()
    engine = create_engine(settings.catalog_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    for command in (["search", "x"], ["db", "upgrade"], ["serve", "--port", "1"]):
        refused = lantai(settings, *command)
        assert refused.returncode == 2, refused.stderr
        assert "schema revision 9999" in refused.stderr and "newer Lantai" in refused.stderr
        assert "Traceback" not in refused.stderr


def test_ingest_on_a_catalog_of_release_0_1_upgrades_it_first(release_0_1, tmp_path):
    from tests.conftest import record, write_jsonl

    rows = write_jsonl(tmp_path / "more.jsonl", [record("J9-1", "关于兴修水利的报告")])
    done = lantai(release_0_1, "ingest", str(rows), "--quiet")
    assert done.returncode == 0, done.stderr
    engine = create_engine(release_0_1.catalog_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
            assert conn.execute(text("SELECT count(*) FROM records")).scalar() == 13
    finally:
        engine.dispose()


def test_records_public_when_the_catalog_is_upgraded_get_datestamps_for_harvesters(release_0_1):
    from catalog.store import CatalogStore

    store = CatalogStore(release_0_1.catalog_url)  # opening it upgrades it
    try:
        opened = store.public_change("baoji-city", "J001-004-0004")  # opened by a decision in 0.1
        decided = store.engine.connect()
        try:
            at = decided.execute(
                text("SELECT decided_at FROM records WHERE archive_code = 'J001-004-0004'")
            ).scalar()
        finally:
            decided.close()
        assert opened is not None and opened.visibility == "full"
        assert opened.datestamp == at[:19] + "Z"
        assert store.public_change("baoji-city", "J001-004-0001") is None  # controlled: never public
        assert store.count_public() == len(
            [
                r
                for r in store.iter_records()
                if r.access in ("open", "catalog_only") and r.classification == "none"
            ]
        )
    finally:
        store.close()
