"""The tables of the embedded search index and their layouts (版本): what a new index is
made of, what an index written by an older release has, and what opening one does.

Layout 4 (``FTS_VERSION``) keeps no copy of the texts: the full-text table is
contentless with row deletes (see :mod:`search.sqlite_engine`) and holds only the
postings and each row's column sizes, which matching and bm25 read; ``doc_entities`` is
keyed by record without a second copy in a rowid table, and an entity's records are
found by its reserved token among the record's tags, not by a second copy of
``doc_entities`` sorted by name. Layouts 3 (that copy, an index ``doc_entities_name``),
2 (also the texts kept in the full-text table) and 1 (also without the ``tags`` column)
are still answered and written; ``lantai reindex`` rebuilds them as layout 4.
"""

from __future__ import annotations

import logging
import random
import sqlite3

from search.sqlite_query import COLUMNS

log = logging.getLogger("lantai.search")

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS docs{next} (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    archive TEXT NOT NULL,
    archive_code TEXT NOT NULL,
    title TEXT NOT NULL,
    title_text TEXT NOT NULL,
    date TEXT NOT NULL,
    year INTEGER,
    record_type TEXT NOT NULL,
    visibility TEXT NOT NULL,
    classified INTEGER NOT NULL,
    fonds TEXT NOT NULL DEFAULT '',
    series TEXT NOT NULL DEFAULT '',
    file TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS doc_entities{next} (
    rowid INTEGER NOT NULL,
    facet TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (rowid, facet, name)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS fts{next} USING fts5("""
    + ", ".join(COLUMNS)
    + """,
    tokenize='unicode61', content='', contentless_delete=1);
"""
)
META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"
# Indexes of the tables above (created here when missing). The code index serves the
# code-first rule; entities are read by record (their primary key; by name through the
# tags); browsing by type counts in (record_type, visibility) and pages in (record_type,
# date); a fonds' page and the archive filter read (archive, fonds, series).
INDEXES = """
CREATE INDEX IF NOT EXISTS docs_type_visibility{alt} ON {table}(record_type, visibility);
CREATE INDEX IF NOT EXISTS docs_type_date{alt} ON {table}(record_type, date);
CREATE INDEX IF NOT EXISTS docs_code_lower{alt} ON {table}(lower(archive_code));
CREATE INDEX IF NOT EXISTS docs_fonds{alt} ON {table}(archive, fonds, series);
"""
#: The other name of each index: a rebuild creates the indexes of ``docs_next`` before its
#: bulk load (an index built afterwards sorts every key in memory, as the SQLite we write
#: with keeps temporary data in memory), and they keep their names when the table is
#: renamed, so the names alternate between rebuilds.
ALTERNATE = "_b"


def index_statements(table: str = "docs", alt: str = "") -> list[str]:
    """The statements creating the indexes of ``table`` (``docs`` or a rebuild's
    ``docs_next``), named with the suffix ``alt`` ("" or :data:`ALTERNATE`)."""
    return [s.strip() for s in INDEXES.format(table=table, alt=alt).split(";") if s.strip()]


def unused_index_suffix(conn: sqlite3.Connection) -> str:
    """The index name suffix the live ``docs`` does not use, for a rebuild's new table."""
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'docs_type_date'").fetchone()
    return ALTERNATE if row else ""


#: Layouts before 4 find an entity's records by name in doc_entities; layout 4 has each
#: record's entities among its tags and no second copy of doc_entities sorted by name
#: (building that copy at the end of a rebuild sorted every entity row in memory).
NAME_INDEX = "CREATE INDEX IF NOT EXISTS doc_entities_name ON doc_entities(facet, name)"
#: The 档号's parts (全宗号, 目录号/类别, 案卷号/件号): added to an index made before them.
PART_COLUMNS = ("fonds", "series", "file")
#: An index of the layouts before 3, whose doc_entities has a rowid: read by record.
ROWID_ENTITIES_INDEX = "CREATE INDEX IF NOT EXISTS doc_entities_record ON doc_entities(rowid, facet, name)"
OLD_INDEXES = ("doc_entities_rowid",)  # replaced by the covering doc_entities_record
#: The version of the index's layout kept in ``meta`` ('fts_version'): 4 has each
#: record's entities among its tags; 3 keeps no copy of the texts (a contentless
#: full-text table, doc_entities keyed by record); 2 has the ``tags`` column (visibility,
#: archive and type in the match); 1 is read without it.
FTS_VERSION = 4
ENTITY_TAGGED = 4
CONTENTLESS = 3
TAGGED = 2
NEXT = "_next"  # a rebuild fills docs_next, fts_next and doc_entities_next, then renames
REBUILT = ("docs", "doc_entities", "fts")


def contentless(conn: sqlite3.Connection) -> bool:
    """Whether the live full-text table keeps no copy of the texts (layout 3 and later)."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'fts'").fetchone()
    return row is not None and "content=''" in row[0]


def layout_version(conn: sqlite3.Connection) -> int:
    """The layout of the live index as recorded (1 to ``FTS_VERSION``)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'fts_version'").fetchone()
    return row[0] if row else 1


def open_layout(conn: sqlite3.Connection, path: str) -> int:
    """Create what an index at ``path`` lacks (a new one gets layout ``FTS_VERSION``),
    record its layout and return it; an older layout is logged with the advice to reindex."""
    new = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'docs'").fetchone() is None
    conn.executescript(SCHEMA.format(next="") + META + ";")
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', ?)",
        (random.randrange(1 << 40),),
    )
    if new:
        conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('fts_version', ?)", (FTS_VERSION,))
    # An index made before the 档号's parts takes their columns (checked and added in one
    # write transaction: another process opening it meanwhile waits).
    conn.execute("BEGIN IMMEDIATE")
    present = {row[1] for row in conn.execute("PRAGMA table_info(docs)")}
    missing = [column for column in PART_COLUMNS if column not in present]
    for column in missing:
        conn.execute(f"ALTER TABLE docs ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
    conn.execute("COMMIT")
    if missing:
        conn.execute("CREATE INDEX IF NOT EXISTS docs_fonds ON docs(archive, fonds, series)")
        log.warning("the search index %s predates fonds and series: run `lantai reindex`", path)
    dated = "SELECT 1 FROM sqlite_master WHERE name IN ('docs_type_date', 'docs_type_date_b')"
    if conn.execute(dated).fetchone() is None:
        for statement in index_statements():
            conn.execute(statement)
        if not contentless(conn):
            conn.execute(ROWID_ENTITIES_INDEX)
        for name in OLD_INDEXES:
            conn.execute(f"DROP INDEX IF EXISTS {name}")
        conn.execute("ANALYZE docs")
    # The layout read and recorded in one write transaction: a rebuild switching
    # tables (which records the new layout) comes wholly before or after it.
    conn.execute("BEGIN IMMEDIATE")
    tagged = "tags" in {row[1] for row in conn.execute("PRAGMA table_info(fts)")}
    kept = not contentless(conn)
    recorded = layout_version(conn)
    if not tagged:
        version = 1
    elif kept:
        version = TAGGED
    else:
        version = ENTITY_TAGGED if recorded >= ENTITY_TAGGED else CONTENTLESS
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('fts_version', ?)", (version,))
    if version < ENTITY_TAGGED:
        conn.execute(NAME_INDEX)
    conn.execute("COMMIT")
    if not tagged:
        log.warning(
            "the search index %s predates the visibility tags: searches read every "
            "match's record to check it (slower at scale); run `lantai reindex`",
            path,
        )
    elif kept:
        log.warning(
            "the search index %s keeps a second copy of every text (about half its "
            "size); run `lantai reindex` to rebuild it without",
            path,
        )
    elif version < ENTITY_TAGGED:
        log.warning(
            "the search index %s finds an entity's records through a copy of its entities "
            "sorted by name; run `lantai reindex` to rebuild it without",
            path,
        )
    return version
