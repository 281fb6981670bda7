"""One record's worth of ingest work (a unit), and its analysis in a worker process.

A unit is a record's catalog fields (a catalog row, a stored record, or the fields of a
file-born record) with the page files it is made of. :func:`analyze_task` runs in the
worker processes: it hashes and reads the files that changed, reuses the stored pages of
those that did not, numbers the pages, scores their quality, normalizes them
(:func:`read_unit`), finds the entities of the task's records together, and builds each
index document (:func:`finish_unit`). The parent process only writes what comes back.
"""

from __future__ import annotations

import hashlib
import json
import os
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TypeVar

from analyzers.normalize import NormalizedText, normalize
from analyzers.pii import find_personal_data, mask_personal_data
from analyzers.segment import add_words
from catalog.lexicon import MAX_WORD
from catalog.pages import FileState, Page
from catalog.record_rows import row_values
from catalog.records import Record
from indexer.documents import doc_tokens, index_doc
from indexer.files import check_size, page_kind, read_capped, read_page_file
from indexer.layout_images import image_states
from indexer.page_types import FileOptions, PageText
from indexer.readers import ReadError
from indexer.record_entities import entity_words, find_entities, find_entities_many
from search.base import IndexDoc

_T = TypeVar("_T")

PAGE_SEPARATOR = "\n\n"


@dataclass
class Source:
    """One page file of a unit."""

    path: str
    attach: str  # listed (named in the row's files) or named (by its 档号)
    order: int  # listed: position in the row's list; named: the page number it starts at
    size: int | None = None  # now; None when the file is missing
    mtime_ns: int | None = None
    known: FileState | None = None  # what the catalog remembers of it
    read: bool = True  # False: keep the stored pages (unchanged, or outside this run)
    origin: str = ""  # where it was named, for errors: "catalog.csv:3" or the file itself
    delivery: str = ""  # the folder given to ingest it lies in (scans it names stay inside)


@dataclass
class Problem:
    """Something that went wrong, located as precisely as it can be."""

    file: str
    line: int | None
    field: str | None
    message: str
    warning: bool = False  # reported, but the record is built all the same (not a failure)

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: " + (f"field {self.field!r}: " if self.field else "") + self.message


@dataclass
class UnitTask:
    """What a worker needs to build one record."""

    key: tuple[str, str]
    base: Record  # catalog fields; its text is used when no page has text
    row_hash: str
    source: str  # the catalog file of the row; "" for a record made from files
    kind: str  # row, attach or orphan
    sources: list[Source]
    stored_pages: dict[str, list[Page]] = field(default_factory=dict)  # by source path
    drop_files: list[str] = field(default_factory=list)
    entities: bool = False


@dataclass
class UnitResult:
    """A built record: what to store and index, and what went wrong on the way."""

    key: tuple[str, str]
    kind: str
    record: Record
    doc: IndexDoc | None  # None: the unit could not be built (see problems)
    pages: list[Page]
    files: list[FileState]
    drop_files: list[str]
    source: str
    row_hash: str
    source_hash: str
    problems: list[Problem]
    needs_ocr: list[tuple[str, int]]  # (file, pages still needing OCR)
    entities: dict | None = None
    tokens: dict[str, str] = field(default_factory=dict)  # see search.query_terms.prepared_tokens
    values: dict | None = None  # catalog.record_rows.row_values(record)


def file_hash(path: str) -> str:
    """SHA-256 of a file's content, streamed."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def unit_hash(row_hash: str, sources: list[tuple[str, str, int, str, str]]) -> str:
    """Hash of everything a record is built from: its row and its files' contents.

    ``sources`` are ``(path, attach, order, sha256, status)``.
    """
    payload = json.dumps([row_hash, sorted(sources)], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def source_key(source: Source, sha: str, status: str) -> tuple[str, str, int, str, str]:
    """The part one source contributes to :func:`unit_hash`."""
    return (source.path, source.attach, source.order, sha, status)


# --------------------------------------------------------------------------- in the worker


def analyze_task(tasks: list[UnitTask], options: FileOptions) -> list[UnitResult]:
    """Build the records of some units (runs in a worker process).

    Every unit is read first; then the entity model runs over all their records at once
    (:func:`indexer.record_entities.find_entities_many`: far cheaper per record than one
    by one); then each record is finished. A unit that fails unexpectedly gives a result
    without a document, with the reason.
    """
    read = [_guarded(task, partial(read_unit, task, options)) for task in tasks]
    found = _entities_of([r for r in read if isinstance(r, ReadUnit) and r.task.entities])
    return [
        r if isinstance(r, UnitResult) else _guarded(r.task, partial(finish_unit, r, found.get(id(r))))
        for r in read
    ]


def _guarded(task: UnitTask, work: Callable[[], _T]) -> _T | UnitResult:
    try:
        return work()
    except Exception as exc:  # noqa: BLE001 - one bad unit must not stop the batch
        names = ", ".join(s.path for s in task.sources) or task.source or task.key[1]
        return UnitResult(
            key=task.key,
            kind=task.kind,
            record=task.base,
            doc=None,
            pages=[],
            files=[],
            drop_files=[],
            source=task.source,
            row_hash=task.row_hash,
            source_hash="",
            problems=[Problem(names, None, None, f"could not be analysed: {type(exc).__name__}: {exc}")],
            needs_ocr=[],
        )


def _entities_of(units: list[ReadUnit]) -> dict[int, dict | Exception]:
    """The entities of the units' records by ``id`` of the unit, found together; when
    that fails, one by one, so that only the unit at fault fails."""
    if not units:
        return {}
    try:
        return dict(zip(map(id, units), find_entities_many([u.record for u in units]), strict=True))
    except Exception:  # noqa: BLE001 - found again one by one below
        found: dict[int, dict | Exception] = {}
        for unit in units:
            try:
                found[id(unit)] = find_entities(unit.record)
            except Exception as exc:  # noqa: BLE001 - this unit fails, not the others
                found[id(unit)] = exc
        return found


def _relative(pages: list[Page], start: int) -> list[PageText]:
    return [PageText(p.number - start + 1, p.text, p.confidence, p.method, p.boxes) for p in pages]


def _read_source(
    source: Source,
    task: UnitTask,
    options: FileOptions,
    problems: list[Problem],
    needs_ocr: list[tuple[str, int]],
) -> tuple[list[PageText], FileState | None, str, str]:
    """Pages of one source, its new file state, and its hash and status for the unit hash."""
    known = source.known
    if source.size is None:
        problems.append(
            Problem(
                source.origin or source.path,
                None,
                "files" if source.origin else None,
                f"no such file: {source.path}",
            )
        )
    if not source.read and known is not None:  # unchanged, or gone and kept: the stored pages
        pages = _relative(task.stored_pages.get(source.path, []), known.start or 1)
        if known.status == "failed":
            problems.append(Problem(source.path, None, None, known.reason))
        elif known.status == "needs_ocr":
            needs_ocr.append((source.path, known.needs_ocr))
        return pages, None, known.sha256, known.status
    if source.size is None:
        return [], None, "", "missing"
    state = FileState(
        path=source.path,
        kind="page",
        size=source.size,
        mtime_ns=source.mtime_ns or 0,
        archive=task.key[0],
        archive_code=task.key[1],
        attach=source.attach,
    )
    sha = ""
    try:
        stat = os.stat(source.path)
        state = replace(state, size=stat.st_size, mtime_ns=stat.st_mtime_ns)
        check_size(Path(source.path), stat.st_size, options)  # before reading a byte
        data = None
        if page_kind(Path(source.path)) == "text":  # read once: hashed and decoded
            try:
                data = read_capped(Path(source.path), options.max_text_bytes)
            except ReadError:
                sha = file_hash(source.path)
                raise
            sha = hashlib.sha256(data).hexdigest()
        else:
            sha = file_hash(source.path)
        if (
            known is not None
            and known.sha256 == sha
            and known.status == "ok"
            and source.path in task.stored_pages
            and page_kind(Path(source.path)) not in ("hocr", "alto")  # read again: its scans
        ):  # touched, not changed
            pages = _relative(task.stored_pages[source.path], known.start or 1)
            return pages, replace(state, sha256=sha, pages=len(pages)), sha, "ok"
        read = read_page_file(Path(source.path), options, data=data)
    except ReadError as exc:
        problems.append(Problem(source.path, None, None, str(exc)))
        return [], replace(state, sha256=sha, status="failed", reason=str(exc)), sha, "failed"
    except OSError as exc:
        reason = exc.strerror or str(exc)
        problems.append(Problem(source.path, None, None, reason))
        return [], replace(state, sha256=sha, status="failed", reason=reason), sha, "failed"
    pages = read.pages
    status = "ok"
    if read.needs_ocr:
        status = "needs_ocr"
        wanted = set(read.needs_ocr)
        pages = [replace(p, method="needs_ocr") if p.number in wanted else p for p in pages]
        needs_ocr.append((source.path, len(wanted)))
    return (
        pages,
        replace(
            state,
            sha256=sha,
            pages=len(pages),
            status=status,
            reason=read.ocr_reason if read.needs_ocr else "",
            needs_ocr=len(read.needs_ocr),
        ),
        sha,
        status,
    )


def _quality(page: PageText) -> float:
    """Page quality: lost characters (``?``, ``�``) and OCR word confidence."""
    if page.method == "needs_ocr" or (page.method == "ocr" and not page.text.strip()):
        return 0.0
    lost = any(ch in page.text for ch in "?？\ufffd")
    quality = normalize(page.text).quality if lost else 1.0
    if page.confidence is not None:
        quality *= page.confidence
    return round(quality, 4)


def build_pages(
    numbered: dict[int, tuple[PageText, str]], base_text: str
) -> tuple[str, NormalizedText, list[Page], set[str]]:
    """The record text (pages joined), its normalized form with personal data masked (one
    pass for the whole record, as the index gets it), the pages, whose search text is
    their slice of that normalized form, and the kinds of personal data in the text."""
    order = sorted(numbered)
    spans: dict[int, tuple[int, int]] = {}
    parts: list[str] = []
    cursor = 0
    for number in order:
        text = numbered[number][0].text
        if not text.strip():
            continue
        if parts:
            parts.append(PAGE_SEPARATOR)
            cursor += len(PAGE_SEPARATOR)
        spans[number] = (cursor, cursor + len(text))
        parts.append(text)
        cursor += len(text)
    text = "".join(parts) if parts else base_text
    found = find_personal_data(text)
    masked = mask_personal_data(text) if found else text
    body = normalize(masked)
    offsets = body.offsets
    limit = len(body.text)
    pages = []
    for number in order:
        page, source = numbered[number]
        search = ""
        kinds: tuple[str, ...] = ()
        if number in spans:
            start, end = spans[number]
            lo = bisect_left(offsets, start, 0, limit)
            hi = bisect_left(offsets, end, lo, limit)
            search = body.text[lo:hi]
            kinds = tuple(sorted({p.kind for p in found if p.start < end and p.end > start}))
        pages.append(
            Page(
                number=number,
                text=page.text,
                search_text=search,
                quality=_quality(page),
                confidence=page.confidence,
                method=page.method,
                source=source,
                personal_data=kinds,
                boxes=page.boxes,
            )
        )
    return text, body, pages, {p.kind for p in found}


@dataclass
class ReadUnit:
    """A unit read and numbered, its record built, before its entities are found."""

    task: UnitTask
    record: Record
    body: NormalizedText | None
    pages: list[Page]
    personal: set[str] | None
    files: list[FileState]
    keys: list[tuple[str, str, int, str, str]]
    problems: list[Problem]
    needs_ocr: list[tuple[str, int]]


def read_unit(task: UnitTask, options: FileOptions) -> ReadUnit:
    """Read, number and score the pages of one unit, and build its record."""
    problems: list[Problem] = []
    needs_ocr: list[tuple[str, int]] = []
    files: list[FileState] = []
    keys = []
    numbered: dict[int, tuple[PageText, str]] = {}
    cursor = 0
    listed = [s for s in task.sources if s.attach == "listed"]
    named = sorted((s for s in task.sources if s.attach == "named"), key=lambda s: (s.order, s.path))
    for source in [*listed, *named]:
        read, state, sha, status = _read_source(source, task, options, problems, needs_ocr)
        keys.append(source_key(source, sha, status))
        start = cursor + 1 if source.attach == "listed" else source.order
        numbers = [start + p.number - 1 for p in read]
        clash = sorted(set(numbers) & set(numbered))
        if clash:
            owner = numbered[clash[0]][1]
            problems.append(
                Problem(
                    source.path,
                    None,
                    None,
                    f"page {clash[0]} of {task.key[0]}/{task.key[1]} is also given "
                    f"by {owner}; this file was skipped",
                )
            )
            read, numbers = [], []
            if state is not None:
                state = replace(state, status="failed", reason="page numbers clash")
        for number, page in zip(numbers, read, strict=True):
            numbered[number] = (page, source.path)
        if numbers and source.attach == "listed":
            cursor = max(numbers)
        if state is not None:
            files.append(replace(state, start=start, pages=len(read)))
            if state.status != "failed" and any(p.image for p in read):
                images, warnings = image_states(
                    source.path, read, start, task.key, source.delivery, {s.path for s in task.sources}
                )
                files.extend(images)
                problems.extend(Problem(source.path, None, None, w, warning=True) for w in warnings)
    record, body, personal = task.base, None, None
    pages: list[Page] = []
    if task.sources:
        text, body, pages, personal = build_pages(numbered, task.base.text)
        record = replace(record, text=text)
    return ReadUnit(task, record, body, pages, personal, files, keys, problems, needs_ocr)


def _learnable(words: list[str]) -> list[str]:
    """The words a record teaches the segmenter: two characters or more, no space."""
    return [w for w in words if 2 <= len(w.strip()) <= MAX_WORD and " " not in w.strip()]


def finish_unit(read: ReadUnit, entities: dict | Exception | None) -> UnitResult:
    """The result of a unit read, with its record's entities (None: not looked for)."""
    if isinstance(entities, Exception):
        raise entities
    task, record, problems = read.task, read.record, read.problems
    # The words the writer learns from this record before indexing it (subjects, creator,
    # entity names), learned here too, so the index tokens split them as queries will. The
    # entity names are facet names, cut from normalized text: not normalized again.
    add_words(_learnable([*record.subjects, record.creator]))
    add_words(_learnable(entity_words(entities)), normalized=True)
    doc = index_doc(record, entities, body=read.body)
    return UnitResult(
        key=task.key,
        kind=task.kind,
        record=record,
        doc=doc,
        pages=read.pages,
        files=read.files,
        drop_files=task.drop_files,
        source=task.source,
        row_hash=task.row_hash,
        source_hash=unit_hash(task.row_hash, read.keys),
        problems=problems,
        needs_ocr=read.needs_ocr,
        entities=entities,
        tokens=doc_tokens(doc),
        values=row_values(record, read.personal),
    )
