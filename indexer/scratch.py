"""Scratch files (临时文件): what a run must remember of every file or record, on disk.

>>> with ScratchFile("example", "CREATE TABLE seen (key TEXT PRIMARY KEY)") as scratch:
...     _ = scratch.db.execute("INSERT INTO seen VALUES ('J1-1-1')")
...     scratch.db.execute("SELECT count(*) FROM seen").fetchone()[0], scratch.folder
(1, '')
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from typing import Self


class ScratchFile:
    """A private SQLite file in the temporary folder, thrown away on :meth:`close`: what a
    run must remember of every file or record, kept out of memory (16 MB of cached pages).

    One transaction for its whole life, no journal, no syncs: nothing in it outlives the run.
    The file's name is removed as soon as it is open (its pages stay on disk until the
    connection closes), so a run that is killed leaves nothing behind. Only the process
    that made it uses it (forked workers never touch it).
    """

    def __init__(self, name: str, schema: str) -> None:
        folder = tempfile.mkdtemp(prefix=f"lantai-{name}-")
        path = os.path.join(folder, f"{name}.sqlite")
        self.db = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "locking_mode = EXCLUSIVE"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("PRAGMA cache_size = -16000")
        self.db.executescript(schema)
        self.db.execute("BEGIN")
        try:
            os.unlink(path)
            os.rmdir(folder)
            self.folder = ""
        except OSError:  # a file system that cannot remove an open file: removed at close
            self.folder = folder

    def close(self) -> None:
        """Throw the file away."""
        self.db.close()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
