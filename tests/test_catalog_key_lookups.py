"""Records, public views and page files are looked up by (archive, 档号) through the unique
index, never by scanning the table: a scan per batch made ingest slow down in proportion to
the catalog's size (a million records took hours to store instead of minutes)."""

from __future__ import annotations

import sqlite3

from sqlalchemy import event

from catalog.key_lookup import by_keys
from catalog.schema import records_table
from tests.conftest import record, write_jsonl

KEYED_TABLES = ("records", "public_views", "ingest_files")


def scanned_tables(database: str, statements: list[tuple[str, tuple]]) -> set[str]:
    """The keyed tables some SELECT, UPDATE or DELETE of ``statements`` reads by a full scan."""
    scanned = set()
    with sqlite3.connect(database) as conn:
        for sql, params in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
                continue
            for *_, detail in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params):
                scanned |= {t for t in KEYED_TABLES if detail in (f"SCAN {t}", f"SCAN {t} USING INDEX")}
    return scanned


def test_a_batch_of_keys_is_one_index_probe_each(lantai):
    database = str(lantai.settings.data_dir / "catalog.sqlite")
    store = lantai.store
    keys = [("test-city", f"J001-001-{n:04d}") for n in range(1, 31)]
    where, values = by_keys(records_table, keys)
    with store.engine.connect() as conn:
        compiled = records_table.select().where(where).compile(conn)
        sql, params = str(compiled), tuple(values[name] for name in compiled.positiontup or ())
        assert len(conn.execute(records_table.select().where(where), values).all()) == 0  # none stored
    assert scanned_tables(database, [(sql, params)]) == set()


def test_ingest_and_lookups_read_no_keyed_table_whole(lantai, tmp_path):
    rows = [record(f"J001-001-{n:04d}", f"关于第{n}号文件的通知", text="土地改革。") for n in range(1, 41)]
    delivery = tmp_path / "in"
    delivery.mkdir()
    for n in range(1, 41, 4):  # page files named by 档号: their states, and the scans they name, are kept
        (delivery / f"J001-001-{n:04d}_001.txt").write_text(f"第{n}号文件第一页。", encoding="utf-8")
    write_jsonl(delivery / "first.jsonl", rows)
    lantai.ingester.ingest([delivery])
    statements: list[tuple[str, tuple]] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if not executemany:
            statements.append((statement, tuple(parameters)))

    event.listen(lantai.store.engine, "before_cursor_execute", remember)
    try:
        changed = [dict(row, title=row["title"] + "（修订）") for row in rows]
        for n in range(1, 41, 4):
            page = delivery / f"J001-001-{n:04d}_001.txt"
            page.write_text(f"第{n}号文件第一页（修订）。", encoding="utf-8")
        (delivery / "first.jsonl").unlink()
        write_jsonl(delivery / "again.jsonl", changed)
        lantai.ingester.ingest([delivery])
        keys = [(row["archive"], row["archive_code"]) for row in rows]
        lantai.store.states(keys)
        lantai.store.attached_files(keys)
        lantai.store.record_summaries([f"{a}/{c}" for a, c in keys])
    finally:
        event.remove(lantai.store.engine, "before_cursor_execute", remember)
    assert len(statements) > 10
    assert any("named_by" in sql and sql.lstrip().upper().startswith("DELETE") for sql, _ in statements)
    database = str(lantai.settings.data_dir / "catalog.sqlite")
    assert scanned_tables(database, statements) == set()
