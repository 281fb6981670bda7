"""Pages (页面) of records, and the state of the files they were read from.

A record read from files has pages: its number, the original text (never altered), the
normalized text with personal data masked (``search_text``, what page matching runs on,
so it matches exactly what the index can match), and a quality score from lost
characters and OCR word confidence. The record's own ``text`` stays the concatenation
of its pages, so search and snippets work as for any record.

``ingest_files`` remembers every input file ingest has seen: size, modification time and
content hash (to skip unchanged files), and which record its pages belong to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    and_,
    delete,
    or_,
    select,
)
from sqlalchemy.engine import Connection, Engine

from catalog.key_lookup import by_keys
from catalog.schema import STREAMED, files_table, pages_table, records_table

#: Below this quality a page counts as low quality (lost characters, unsure OCR).
LOW_QUALITY = 0.6


@dataclass(frozen=True)
class Page:
    """One page of a record."""

    number: int
    text: str
    search_text: str = ""
    quality: float = 1.0
    confidence: float | None = None
    method: str = "text"
    source: str = ""
    personal_data: tuple[str, ...] = ()
    boxes: str = ""  # word boxes (版面坐标), analyzers.page_boxes.layout_json; "" for none

    @property
    def low_quality(self) -> bool:
        """True when the page's quality is below :data:`LOW_QUALITY`."""
        return self.quality < LOW_QUALITY


@dataclass(frozen=True)
class FileState:
    """What ingest knows about one input file."""

    path: str
    kind: str
    size: int
    mtime_ns: int
    sha256: str = ""
    archive: str | None = None
    archive_code: str | None = None
    attach: str | None = None
    start: int | None = None
    pages: int = 0
    status: str = "ok"
    reason: str = ""
    needs_ocr: int = 0
    named_by: str | None = None  # kind image: the hOCR/ALTO file that names this scan


def _page_values(record_pk: int, page: Page) -> dict:
    return {
        "record_pk": record_pk,
        "number": page.number,
        "text": page.text,
        "search_text": page.search_text,
        "quality": page.quality,
        "confidence": page.confidence,
        "method": page.method,
        "source": page.source,
        "personal_data": json.dumps(list(page.personal_data)),
        "boxes": page.boxes or None,
    }


def _page(row) -> Page:
    return Page(
        number=row.number,
        text=row.text,
        search_text=row.search_text,
        quality=row.quality,
        confidence=row.confidence,
        method=row.method,
        source=row.source,
        personal_data=tuple(json.loads(row.personal_data)),
        boxes=row._mapping.get("boxes") or "",
    )


def replace_pages(conn: Connection, record_pk: int, pages: Sequence[Page]) -> None:
    """Make ``pages`` the pages of a record (inside the caller's transaction)."""
    conn.execute(delete(pages_table).where(pages_table.c.record_pk == record_pk))
    if pages:
        conn.execute(pages_table.insert(), [_page_values(record_pk, p) for p in pages])


def insert_pages(conn: Connection, pages: Sequence[tuple[int, Page]]) -> None:
    """Add pages ``(record_pk, page)`` (inside the caller's transaction)."""
    if pages:
        conn.execute(pages_table.insert(), [_page_values(pk, page) for pk, page in pages])


def delete_pages(conn: Connection, record_pks: Iterable[int]) -> None:
    """Remove the pages of some records (inside the caller's transaction)."""
    pks = list(record_pks)
    for start in range(0, len(pks), 500):
        conn.execute(delete(pages_table).where(pages_table.c.record_pk.in_(pks[start : start + 500])))


def _record_pk(conn: Connection, archive: str, code: str) -> int | None:
    return conn.execute(
        select(records_table.c.pk).where(
            records_table.c.archive == archive, records_table.c.archive_code == code
        )
    ).scalar()


def pages_of(engine: Engine, archive: str, archive_code: str) -> list[Page]:
    """The pages of a record, in page order ([] for a record without pages)."""
    with engine.connect() as conn:
        pk = _record_pk(conn, archive, archive_code)
        if pk is None:
            return []
        rows = conn.execute(
            select(*_WITHOUT_BOXES).where(pages_table.c.record_pk == pk).order_by(pages_table.c.number)
        )
        return [_page(row) for row in rows]


#: A page's columns but its word boxes, which only :func:`page_layouts` reads (they are large).
_WITHOUT_BOXES = [c for c in pages_table.c if c.name != "boxes"]


def page_layouts(engine: Engine, archive: str, archive_code: str, numbers: Iterable[int]) -> dict[int, str]:
    """The word boxes of some pages of a record, by page number (a page without them, or
    no such page, is left out)."""
    wanted = sorted(set(numbers))
    out: dict[int, str] = {}
    with engine.connect() as conn:
        pk = _record_pk(conn, archive, archive_code)
        if pk is None:
            return out
        for start in range(0, len(wanted), 500):
            rows = conn.execute(
                select(pages_table.c.number, pages_table.c.boxes).where(
                    pages_table.c.record_pk == pk,
                    pages_table.c.number.in_(wanted[start : start + 500]),
                    pages_table.c.boxes.is_not(None),
                )
            )
            out.update({row.number: row.boxes for row in rows if row.boxes})
    return out


def pages_from_sources(conn: Connection, record_pk: int, sources: Iterable[str]) -> list[Page]:
    """The stored pages of a record that came from some source files."""
    wanted = list(sources)
    if not wanted:
        return []
    rows = conn.execute(
        select(pages_table)
        .where(pages_table.c.record_pk == record_pk, pages_table.c.source.in_(wanted))
        .order_by(pages_table.c.number)
    )
    return [_page(row) for row in rows]


def matching_pages(
    engine: Engine, record_ids: Sequence[str], term_tokens: Sequence[Sequence[str]], limit: int = 20
) -> dict[str, list[int]]:
    """Numbers of the pages (at most ``limit`` per record) whose search text matches a term.

    ``term_tokens`` holds one group per query term: the normalized pieces that must all
    occur in a page for that term to match; a page matches when any term does. Only
    records that have pages appear in the answer.
    """
    groups = [[t for t in group if t] for group in term_tokens]
    groups = [g for g in groups if g]
    keys = [tuple(i.split("/", 1)) for i in record_ids if "/" in i]
    if not groups or not keys:
        return {}
    match = or_(
        *[and_(*[pages_table.c.search_text.contains(t, autoescape=True) for t in group]) for group in groups]
    )
    found: dict[str, list[int]] = {}
    with engine.connect() as conn:
        wanted = or_(
            *[and_(records_table.c.archive == a, records_table.c.archive_code == c) for a, c in keys]
        )
        pks = {
            row.pk: f"{row.archive}/{row.archive_code}"
            for row in conn.execute(
                select(records_table.c.pk, records_table.c.archive, records_table.c.archive_code).where(
                    wanted
                )
            )
        }
        if not pks:
            return {}
        rows = conn.execute(
            select(pages_table.c.record_pk, pages_table.c.number)
            .where(pages_table.c.record_pk.in_(list(pks)), match)
            .order_by(pages_table.c.record_pk, pages_table.c.number)
        )
        for row in rows:
            numbers = found.setdefault(pks[row.record_pk], [])
            if len(numbers) < limit:
                numbers.append(row.number)
    return found


# --------------------------------------------------------------------------- file states


def _state(row) -> FileState:
    return FileState(**dict(row._mapping))


def file_states(conn: Connection, paths: Iterable[str]) -> dict[str, FileState]:
    """Known states of some files, by path."""
    wanted = list(dict.fromkeys(paths))
    out: dict[str, FileState] = {}
    for start in range(0, len(wanted), 500):
        for row in conn.execute(
            select(files_table).where(files_table.c.path.in_(wanted[start : start + 500]))
        ):
            out[row.path] = _state(row)
    return out


def files_of_records(
    conn: Connection, ids: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[FileState]]:
    """Page files attached to some records (by ``(archive, archive_code)``)."""
    keys = list(dict.fromkeys(ids))
    out: dict[tuple[str, str], list[FileState]] = {}
    for start in range(0, len(keys), 200):
        chunk = keys[start : start + 200]
        where, values = by_keys(files_table, chunk)
        for row in conn.execute(select(files_table).where(files_table.c.kind == "page", where), values):
            out.setdefault((row.archive, row.archive_code), []).append(_state(row))
    return out


def image_files_of(conn: Connection, archive: str, archive_code: str) -> list[FileState]:
    """The scans named by a record's hOCR/ALTO files (kind ``image``)."""
    rows = conn.execute(
        select(files_table).where(
            files_table.c.kind == "image",
            files_table.c.archive == archive,
            files_table.c.archive_code == archive_code,
        )
    )
    return [_state(row) for row in rows]


def delete_named_images(conn: Connection, layouts: Iterable[str]) -> None:
    """Forget the scans some layout files named (they were read again, or dropped; inside the
    caller's transaction)."""
    wanted = list(dict.fromkeys(layouts))
    for start in range(0, len(wanted), 500):
        conn.execute(
            delete(files_table).where(
                files_table.c.kind == "image", files_table.c.named_by.in_(wanted[start : start + 500])
            )
        )


def save_file_states(conn: Connection, states: Iterable[FileState]) -> None:
    """Insert or replace file states (inside the caller's transaction)."""
    rows = [_as_dict(s) for s in states]
    if not rows:
        return
    paths = [r["path"] for r in rows]
    for start in range(0, len(paths), 500):
        conn.execute(delete(files_table).where(files_table.c.path.in_(paths[start : start + 500])))
    conn.execute(files_table.insert(), rows)


def _as_dict(state: FileState) -> dict:
    return {name: getattr(state, name) for name in state.__dataclass_fields__}


def delete_file_states(conn: Connection, paths: Iterable[str]) -> None:
    """Forget some files (inside the caller's transaction)."""
    wanted = list(paths)
    for start in range(0, len(wanted), 500):
        conn.execute(delete(files_table).where(files_table.c.path.in_(wanted[start : start + 500])))


def files_under(engine: Engine, root: str, kind: str | None = None) -> Iterator[FileState]:
    """Known files at ``root`` or below it, read from the catalog a thousand at a time."""
    prefix = root.rstrip("/") + "/"
    query = select(files_table).where(
        or_(files_table.c.path == root, files_table.c.path.startswith(prefix, autoescape=True))
    )
    if kind:
        query = query.where(files_table.c.kind == kind)
    with engine.connect() as conn:
        rows = conn.execution_options(stream_results=True, yield_per=STREAMED).execute(query)
        yield from (_state(row) for row in rows)
