"""The inventory of one ingest run (清点清单), kept on disk so a run's memory stays bounded.

A delivery of a million page files and catalog rows would need about a kilobyte of memory
for each if the run kept them in dicts and sets. The run keeps them instead in a private
SQLite file in the temporary folder (a :class:`indexer.scratch.ScratchFile`, named nowhere once open):

- the page files found (size, mtime, kind, the 档号 and first page their name gives, and
  the layout file that names a scan as its page image);
- the page files some unit of the run took (claimed), the records it built and the files
  it detached;
- the catalog rows read: the first row of each record in the run, and each file's rows.

>>> with Inventory() as inv:
...     inv.add_page("/in/J1-1-0001.txt", 10, 5, "text", ("J1-1-0001", 1))
...     inv.add_page("/in/J1-1-0001_002.txt", 12, 5, "text", ("J1-1-0001", 2))
...     inv.close_discovery()
...     inv.named_files("J1-1-0001"), inv.stat("/in/J1-1-0001.txt"), inv.claim("/in/x"), inv.claim("/in/x")
([('/in/J1-1-0001.txt', 1), ('/in/J1-1-0001_002.txt', 2)], (10, 5), True, False)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from indexer.scratch import ScratchFile

_SCHEMA = """
CREATE TABLE page (
    path TEXT PRIMARY KEY, seq INTEGER NOT NULL, size INTEGER, mtime_ns INTEGER,
    kind TEXT NOT NULL, code TEXT, start INTEGER, scan_of TEXT
) WITHOUT ROWID;
CREATE TABLE claim (path TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE built (archive TEXT, code TEXT, PRIMARY KEY (archive, code)) WITHOUT ROWID;
CREATE TABLE dropped (path TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE first_row (
    archive TEXT, code TEXT, file TEXT NOT NULL, line INTEGER NOT NULL, PRIMARY KEY (archive, code)
) WITHOUT ROWID;
CREATE TABLE file_row (
    file TEXT, archive TEXT, code TEXT, line INTEGER NOT NULL, PRIMARY KEY (file, archive, code)
) WITHOUT ROWID;
"""

_INSERT_AT = 5_000  # page files buffered before one INSERT
_CHUNK = 1_000  # rows read at a time by the iterators


class Inventory(ScratchFile):
    """A run's files, claims and rows in a temporary SQLite file (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__("ingest", _SCHEMA)
        self._buffer: list[tuple] = []
        self._seq = 0
        self.pages = 0
        self.image_pages = 0

    # -- discovery ------------------------------------------------------------------

    def add_page(self, path: str, size: int, mtime_ns: int, kind: str, named: tuple[str, int] | None) -> None:
        """A page file found, with the 档号 and first page its name gives (None: no 档号)."""
        code, start = named if named else (None, None)
        self._buffer.append((path, self._seq, size, mtime_ns, kind, code, start))
        self._seq += 1
        self.pages += 1
        self.image_pages += kind == "image"
        if len(self._buffer) >= _INSERT_AT:
            self._flush()

    def _flush(self) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO page (path, seq, size, mtime_ns, kind, code, start) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            self._buffer,
        )
        self._buffer = []

    def close_discovery(self) -> None:
        """Every page file is added: index them by 档号 for planning."""
        self._flush()
        self.pages = self.db.execute("SELECT count(*) FROM page").fetchone()[0]
        self.db.execute("CREATE INDEX page_code ON page (code, seq) WHERE code IS NOT NULL")

    def layout_files(self) -> Iterator[str]:
        """The hOCR and ALTO files found, in path order."""
        yield from self._paths("SELECT path FROM page WHERE kind IN ('hocr', 'alto') AND path > ?")

    def mark_scan(self, scan: str, layout: str) -> bool:
        """Mark an image found as the page image ``layout`` names; False when it is no image of
        the run."""
        cursor = self.db.execute(
            "UPDATE page SET scan_of = ? WHERE path = ? AND kind = 'image'", (layout, scan)
        )
        return cursor.rowcount > 0

    # -- what was found -------------------------------------------------------------

    def __contains__(self, path: object) -> bool:
        return self.db.execute("SELECT 1 FROM page WHERE path = ?", (path,)).fetchone() is not None

    def stat(self, path: str) -> tuple[int, int] | None:
        """(size, mtime_ns) of a page file found, or None."""
        row = self.db.execute("SELECT size, mtime_ns FROM page WHERE path = ?", (path,)).fetchone()
        return (row[0], row[1]) if row else None

    def is_scan(self, path: str) -> bool:
        """True for an image a layout file of the run names as its page image."""
        row = self.db.execute("SELECT scan_of FROM page WHERE path = ?", (path,)).fetchone()
        return bool(row and row[0])

    def named_files(self, code: str) -> list[tuple[str, int]]:
        """(path, first page) of the page files named by ``code``, scans left out, as found."""
        return self.db.execute(
            "SELECT path, start FROM page WHERE code = ? AND scan_of IS NULL ORDER BY seq", (code,)
        ).fetchall()

    def unnamed_unclaimed(self) -> Iterator[str]:
        """Page files whose name gives no 档号, that no unit took (scans left out), by path."""
        yield from self._paths(
            "SELECT path FROM page WHERE code IS NULL AND scan_of IS NULL AND path > ? "
            "AND NOT EXISTS (SELECT 1 FROM claim WHERE claim.path = page.path)"
        )

    def named_unclaimed(self) -> Iterator[tuple[str, str, int]]:
        """(code, path, first page) of named page files no unit took, by 档号 then as found."""
        after: tuple[str, int] = ("", -1)
        while True:
            rows = self.db.execute(
                "SELECT code, seq, path, start FROM page WHERE code IS NOT NULL AND scan_of IS NULL "
                "AND (code, seq) > (?, ?) "
                "AND NOT EXISTS (SELECT 1 FROM claim WHERE claim.path = page.path) "
                f"ORDER BY code, seq LIMIT {_CHUNK}",
                after,
            ).fetchall()
            if not rows:
                return
            after = (rows[-1][0], rows[-1][1])
            yield from ((code, path, start) for code, _seq, path, start in rows)

    def _paths(self, sql: str) -> Iterator[str]:
        after = ""
        while True:
            rows = self.db.execute(f"{sql} ORDER BY path LIMIT {_CHUNK}", (after,)).fetchall()
            if not rows:
                return
            after = rows[-1][0]
            yield from (r[0] for r in rows)

    # -- what the run took ----------------------------------------------------------

    def claim(self, path: str) -> bool:
        """Take a page file for a unit; False when another unit of the run took it."""
        return self.db.execute("INSERT OR IGNORE INTO claim VALUES (?)", (path,)).rowcount > 0

    def claimed(self, path: str) -> bool:
        """True when a unit of the run took the file."""
        return self.db.execute("SELECT 1 FROM claim WHERE path = ?", (path,)).fetchone() is not None

    def built(self, key: tuple[str, str], drop_files: Iterable[str]) -> None:
        """A unit of the run built this record, detaching these files."""
        self.db.execute("INSERT OR IGNORE INTO built VALUES (?, ?)", key)
        self.db.executemany("INSERT OR IGNORE INTO dropped VALUES (?)", ((p,) for p in drop_files))

    def was_built(self, key: tuple[str, str]) -> bool:
        """True when a unit of the run built the record."""
        sql = "SELECT 1 FROM built WHERE archive = ? AND code = ?"
        return self.db.execute(sql, key).fetchone() is not None

    def was_dropped(self, path: str) -> bool:
        """True when a unit of the run detached the file."""
        return self.db.execute("SELECT 1 FROM dropped WHERE path = ?", (path,)).fetchone() is not None

    # -- catalog rows ---------------------------------------------------------------

    def add_row(self, key: tuple[str, str], file: str, line: int) -> tuple[str, int] | None:
        """Remember a catalog row; the (file, line) of the record's earlier row, if any.

        An earlier row in the same file wins over one in another file, as that is the
        one the reader is told about."""
        archive, code = key
        sql = "INSERT OR IGNORE INTO file_row VALUES (?, ?, ?, ?)"
        if not self.db.execute(sql, (file, archive, code, line)).rowcount:
            sql = "SELECT line FROM file_row WHERE file = ? AND archive = ? AND code = ?"
            return file, self.db.execute(sql, (file, archive, code)).fetchone()[0]
        sql = "INSERT OR IGNORE INTO first_row VALUES (?, ?, ?, ?)"
        if not self.db.execute(sql, (archive, code, file, line)).rowcount:
            sql = "SELECT file, line FROM first_row WHERE archive = ? AND code = ?"
            first = self.db.execute(sql, key).fetchone()
            return first[0], first[1]
        return None

    def in_file(self, file: str, key: tuple[str, str]) -> bool:
        """True when a row of ``file`` in this run has the record's key."""
        sql = "SELECT 1 FROM file_row WHERE file = ? AND archive = ? AND code = ?"
        return self.db.execute(sql, (file, *key)).fetchone() is not None
