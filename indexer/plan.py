"""Planning (编排), the second stage of ingest: which units a run must build.

From a :class:`indexer.discover.Discovery` and what the catalog remembers, the
:class:`Planner` makes one :class:`indexer.units.UnitTask` per record: catalog rows with
the files they list and the files named by their 档号, files named by a 档号 no row of the
run has (added to a stored record, or a file-born record of their own), and with ``sync``
the records whose files were deleted. A unit whose row and files did not change is counted
as unchanged and not built again. Bad rows are reported with file, line and field.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from catalog.record_rows import content_hash
from catalog.records import Record, RecordError, record_from_row
from catalog.store import CatalogStore
from indexer.discover import Discovery, under
from indexer.page_types import FileOptions
from indexer.readers import ReadError, RowProblem, reader_for
from indexer.report import Tally
from indexer.units import Problem, Source, UnitTask, source_key, unit_hash

PLAN_CHUNK = 200  # rows looked up in the catalog together

#: (key, catalog fields, row hash, catalog file, kind, sources) of a unit being planned.
Plan = tuple[tuple[str, str], Record, str, str, str, list[Source]]


@dataclass
class SyncPlan:
    """What ``--sync`` found gone: units losing deleted files, records to remove, files detached."""

    tasks: list[UnitTask] = field(default_factory=list)
    remove: set[tuple[str, str]] = field(default_factory=set)
    detached: list[str] = field(default_factory=list)


class Planner:
    """Plans the units of one run; remembers which files and records the run took."""

    def __init__(
        self,
        store: CatalogStore,
        found: Discovery,
        tally: Tally,
        *,
        archive: str | None = None,
        sync: bool = False,
        dry_run: bool = False,
        entities: bool = False,
        options: FileOptions | None = None,
    ) -> None:
        self.store = store
        self.found = found
        self.tally = tally
        self.archive = archive
        self.sync = sync
        self.dry_run = dry_run
        self.entities = entities
        self.options = options or FileOptions()
        # Files taken, records built and rows read are in found.inventory (on disk).
        self.inventory = found.inventory
        self.catalog_read: dict[str, bool] = {}  # catalog file -> read to the end
        self.catalog_archives: dict[str, set[str]] = {}  # folder -> archives of its catalogs
        self.bad_rows: dict[str, int] = {}  # catalog file -> rows that could not be read
        self.ocr_unavailable: str | None = None

    # -- catalog rows -----------------------------------------------------------

    def plan_rows(self) -> Iterator[UnitTask]:
        """Units of the catalog rows, in file order, looked up in the catalog in chunks."""
        chunk: list[tuple[Record, str, int]] = []
        for path in sorted(self.found.catalogs):
            reader = reader_for(Path(path))
            folder = os.path.dirname(path)
            try:
                for line, row in reader(Path(path)):  # type: ignore[misc]
                    if isinstance(row, RowProblem):
                        self.tally.problem(Problem(path, line, None, row.message))
                        self.bad_rows[path] = self.bad_rows.get(path, 0) + 1
                        continue
                    try:
                        record = record_from_row(row, self.archive)
                    except RecordError as exc:
                        self.tally.problem(Problem(path, line, exc.field, exc.message))
                        self.bad_rows[path] = self.bad_rows.get(path, 0) + 1
                        continue
                    earlier = self.inventory.add_row((record.archive, record.archive_code), path, line)
                    if earlier is not None:
                        where = (
                            f"repeats line {earlier[1]} of this file"
                            if earlier[0] == path
                            else f"is also in {earlier[0]}:{earlier[1]}; the first row was kept"
                        )
                        self.tally.problem(
                            Problem(path, line, "archive_code", f"{record.archive_code!r} {where}")
                        )
                        continue
                    self.catalog_archives.setdefault(folder, set()).add(record.archive)
                    chunk.append((record, path, line))
                    if len(chunk) >= PLAN_CHUNK:
                        yield from self._resolve_rows(chunk)
                        chunk = []
                self.catalog_read[path] = True
            except (ReadError, OSError) as exc:
                message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                self.tally.problem(Problem(path, None, None, message))
                self.catalog_read[path] = False
            self.tally.tick(1)
        yield from self._resolve_rows(chunk)

    def _resolve_rows(self, chunk: list[tuple[Record, str, int]]) -> Iterator[UnitTask]:
        if not chunk or self.dry_run:
            return
        keys = [(r.archive, r.archive_code) for r, _, _ in chunk]
        states = self.store.states(keys)
        stored_files = self.store.attached_files(keys)
        plans: list[Plan] = []
        for record, path, line in chunk:
            folder = os.path.dirname(path)
            sources: list[Source] = []
            for order, name in enumerate(record.files):
                full = os.path.abspath(os.path.join(folder, name))
                if not self.inventory.claim(full):
                    self.tally.problem(
                        Problem(path, line, "files", f"{name} is already attached to another record")
                    )
                    continue
                sources.append(Source(full, "listed", order, origin=f"{path}:{line}"))
            for full, start in self.inventory.named_files(record.archive_code):
                if under(full, folder) and self.inventory.claim(full):
                    sources.append(Source(full, "named", start))
            plans.append(
                ((record.archive, record.archive_code), record, content_hash(record), path, "row", sources)
            )
        yield from self._finish(plans, states, stored_files)

    # -- every kind of unit ---------------------------------------------------------

    def _finish(self, plans: list[Plan], states: dict, stored_files: dict) -> list[UnitTask]:
        """Stat the sources, keep or drop the stored ones, and skip units that did not change."""
        known = self.store.known_files(s.path for *_, sources in plans for s in sources)
        tasks: list[UnitTask] = []
        for key, base, row_hash, source, kind, sources in plans:
            state = states.get(key)
            mine = {s.path for s in sources}
            drop: list[str] = []
            for stored in stored_files.get(key, []):
                if stored.path in mine:
                    continue
                if (
                    stored.attach == "listed"
                    or (self.sync and self.found.gone(stored.path))
                    or self.inventory.is_scan(stored.path)  # a layout file's scan now, not a page file
                ):
                    drop.append(stored.path)  # no longer listed / deleted
                    continue
                if stored.path in self.inventory and not self.inventory.claim(stored.path):
                    continue  # found in this run, and another unit of this run took it
                sources.append(Source(stored.path, stored.attach or "named", stored.start or 1, known=stored))
                mine.add(stored.path)
            for s in sources:
                if s.known is None:
                    s.known = known.get(s.path)
                self._stat(s)
                if s.size is None and self.sync and s.known is not None:
                    drop.append(s.path)  # a deleted file's pages go
                    s.known = None
            task = UnitTask(
                key, base, row_hash, source, kind, sources, drop_files=drop, entities=self.entities
            )
            self.inventory.built(key, drop)
            # With entities on, a record stored without them is analysed again (its
            # files are not re-read: the stored pages are used), so switching on fills them.
            if (
                not drop
                and state is not None
                and state["source"] == source
                and (state["has_entities"] or not self.entities)
                and self._unchanged(task, state)
            ):
                self.tally.report.unchanged += 1
                self.tally.tick(sum(1 for s in sources if s.path in self.inventory))
                if kind == "orphan" or (kind == "attach" and not source):
                    self.tally.orphan(key, (s.path for s in sources))
                continue
            tasks.append(task)
        wanted = [
            (
                states[t.key]["pk"],
                [s.path for s in t.sources if s.known is not None and s.known.status in ("ok", "needs_ocr")],
            )
            for t in tasks
            if t.key in states
        ]
        stored_pages = self.store.pages_of_sources(wanted)
        for task in tasks:
            if task.key in states:
                by_source: dict[str, list] = {}
                for page in stored_pages.get(states[task.key]["pk"], []):
                    by_source.setdefault(page.source, []).append(page)
                task.stored_pages = by_source
        return tasks

    def _stat(self, source: Source) -> None:
        """Size and mtime now; whether the file must be read (changed, new, OCR now possible)."""
        now = self.inventory.stat(source.path)
        if now is None:
            try:
                stat = os.stat(source.path)
                now = (stat.st_size, stat.st_mtime_ns)
            except OSError:
                now = None
        source.size, source.mtime_ns = now if now else (None, None)
        root = next((r for r in self.found.roots if under(source.path, r)), "")
        source.delivery = root if root != source.path else os.path.dirname(root)
        known = source.known
        if now is None:
            source.read = False  # missing: its stored pages are kept (dropped with --sync)
        elif known is not None and (known.size, known.mtime_ns) == now:
            source.read = known.status == "needs_ocr" and not self._ocr_unavailable()
        else:
            source.read = True

    def _ocr_unavailable(self) -> str:
        if self.ocr_unavailable is None:
            from indexer import ocr

            self.ocr_unavailable = ocr.unavailable(self.options)
        return self.ocr_unavailable

    def _unchanged(self, task: UnitTask, state: dict) -> bool:
        keys = []
        for s in task.sources:
            if s.read or (s.known is None and s.size is not None):
                return False
            keys.append(
                source_key(s, s.known.sha256, s.known.status) if s.known else source_key(s, "", "missing")
            )
        if unit_hash(task.row_hash, keys) != state["source_hash"]:
            return False
        for s in task.sources:  # the same problems as last time, reported again
            if s.size is None:
                self.tally.problem(
                    Problem(
                        s.origin or s.path, None, "files" if s.origin else None, f"no such file: {s.path}"
                    )
                )
            if s.known and s.known.status == "failed":
                self.tally.problem(Problem(s.path, None, None, s.known.reason))
            elif s.known and s.known.status == "needs_ocr":
                self.tally.needs_ocr(s.path, s.known.needs_ocr)
        return True

    # -- files named by 档号 ------------------------------------------------------------

    def _archive_for(self, path: str, code: str) -> str | None:
        if self.archive:
            return self.archive
        folder = os.path.dirname(path)
        while True:
            archives = self.catalog_archives.get(folder)
            if archives:
                return next(iter(archives)) if len(archives) == 1 else None
            if any(folder == root for root in self.found.roots) or os.path.dirname(folder) == folder:
                break
            folder = os.path.dirname(folder)
        stored = self.store.archives_of_code(code)
        return stored[0] if len(stored) == 1 else None

    def plan_named(self) -> Iterator[UnitTask]:
        """Units of the files named by a 档号 that no catalog row of this run took."""
        for path in self.inventory.unnamed_unclaimed():
            self.tally.problem(
                Problem(
                    path,
                    None,
                    None,
                    "not named by a 档号 (like J001-001-0001.pdf or "
                    "J001-001-0001_003.txt) and no catalog row lists it",
                )
            )
            self.tally.tick(1)
        groups: dict[tuple[str, str], list[Source]] = {}
        codes: set[str] = set()
        for code, path, start in self.inventory.named_unclaimed():
            if code not in codes and len(codes) >= PLAN_CHUNK:  # a chunk of 档号 is complete
                yield from self._attach_chunk(groups)
                groups, codes = {}, set()
            codes.add(code)
            archive = self._archive_for(path, code)
            if archive is None:
                self.tally.problem(
                    Problem(path, None, None, f"cannot tell which archive holds {code}; give --archive")
                )
                self.tally.tick(1)
                continue
            self.inventory.claim(path)
            groups.setdefault((archive, code), []).append(Source(path, "named", start))
        yield from self._attach_chunk(groups)

    def _attach_chunk(self, groups: dict[tuple[str, str], list[Source]]) -> Iterator[UnitTask]:
        if groups and not self.dry_run:
            yield from self._attach_units(sorted(groups), groups)

    def _attach_units(
        self, keys: list[tuple[str, str]], groups: dict[tuple[str, str], list[Source]]
    ) -> Iterator[UnitTask]:
        """Units adding files to stored records, or making file-born records."""
        states = self.store.states(keys)
        stored = self.store.get_many(f"{a}/{c}" for a, c in keys if (a, c) in states)
        stored_files = self.store.attached_files(keys)
        plans: list[Plan] = []
        for key in keys:
            sources = groups.get(key, [])
            record = stored.get(f"{key[0]}/{key[1]}")
            state = states.get(key)
            if record is not None and state is not None:
                row_hash = state["row_hash"] or content_hash(record)
                source = state["source"] or ""
                kind = "attach"
            else:
                try:
                    record = record_from_row(
                        {"archive": key[0], "archive_code": key[1], "title": key[1], "access": "unreviewed"}
                    )
                except RecordError as exc:
                    for s in sources:
                        self.tally.problem(
                            Problem(
                                s.path,
                                None,
                                None,
                                f"file name {key[1]!r} is not a usable 档号: {exc.message}",
                            )
                        )
                    self.tally.tick(len(sources))
                    continue
                row_hash, source, kind = content_hash(record), "", "orphan"
            plans.append((key, record, row_hash, source, kind, sources))
        for task in self._finish(plans, states, stored_files):
            if task.kind == "orphan" or (task.kind == "attach" and not task.source):
                self.tally.orphan(task.key, (s.path for s in task.sources))
            yield task

    # -- --sync -------------------------------------------------------------------------

    def plan_sync(self) -> SyncPlan:
        """Records whose sources under the given paths are gone, and units detaching deleted
        files (none with ``dry_run``, which only lists them)."""
        plan = SyncPlan()
        remove = plan.remove
        for root in self.found.roots:
            for source in self.store.sources_under(root):
                read = self.catalog_read.get(source)
                if read is False or self.bad_rows.get(source):
                    # An unreadable row may be a stored record's: removing it would lose data.
                    self.tally.problem(
                        Problem(
                            source, None, None, "has rows that cannot be read, so its records were not synced"
                        ),
                        failed=False,
                    )
                    continue
                if read is None and source in self.found.catalogs:
                    continue
                stored = self.store.keys_from_source(source)
                kept = self.inventory.in_file
                remove.update(k for k in stored if read is None or not kept(source, k))
        gone: dict[tuple[str, str], list[str]] = {}
        for root in self.found.roots:
            for state in self.store.files_under(root, kind="page"):
                if state.path not in self.inventory and not self.inventory.was_dropped(state.path):
                    gone.setdefault((state.archive or "", state.archive_code or ""), []).append(state.path)
        keys = sorted(k for k in gone if k not in remove and not self.inventory.was_built(k))
        states = self.store.states(keys)
        stored_files = self.store.attached_files(keys)
        records = self.store.get_many(f"{a}/{c}" for a, c in keys)
        plans: list[Plan] = []
        for key in keys:
            known, record = states.get(key), records.get(f"{key[0]}/{key[1]}")
            if known is None or record is None:
                continue
            left = [f for f in stored_files.get(key, []) if f.path not in gone[key]]
            if not known["source"] and not left:
                remove.add(key)  # a file-born record whose files are all gone
                continue
            plans.append(
                (key, record, known["row_hash"] or content_hash(record), known["source"] or "", "attach", [])
            )
        plan.detached = sorted(p for key, paths in gone.items() if key not in remove for p in paths)
        if not self.dry_run:
            plan.tasks = self._finish(plans, states, stored_files)
        return plan
