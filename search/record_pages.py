"""Reading a record's pages (页): their text with matches marked, where a query matches on
the page images, and the files they were read from (for page images and downloads).

:class:`RecordPages` is a part of :class:`search.service.SearchService`: each method first
asks the service for the record and what the caller may see of it (one lookup, one call of
:func:`catalog.policy.view_of`), and answers None exactly when the record itself is hidden
from the caller. A page image (or its word boxes) is shown only where the policy's
``original`` says ``shown``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analyzers.highlight import highlight_full
from analyzers.page_boxes import match_boxes
from analyzers.pii import mask_personal_data
from catalog import policy
from catalog.policy import Audience, View
from catalog.records import Record
from catalog.store import CatalogStore
from search.pages import page_matches, query_terms, term_groups
from search.params import MAX_QUERY_LENGTH


class RecordPages:
    """A record's pages, matches, word boxes and files; mixed into
    :class:`search.service.SearchService`."""

    store: CatalogStore

    def _visible(self, record_id: str, audience: Audience) -> tuple[Record, View] | None:
        """The record and what ``audience`` may see of it (:meth:`SearchService._visible`)."""
        raise NotImplementedError

    def _record_answer(self, record: Record, view: View, audience: Audience) -> dict:
        """A record's fields as ``audience`` may see them (:meth:`SearchService.record`)."""
        raise NotImplementedError

    def reading(
        self, record_id: str, audience: Audience, terms: str | Sequence[str] | None = None
    ) -> dict | None:
        """What a record page shows, from one lookup and one read of the pages:
        ``{"record", "pages", "originals"}`` as :meth:`record`, :meth:`pages` and
        :meth:`originals` answer them; None exactly when :meth:`record` is None."""
        found = self._visible(record_id, audience)
        if found is None:
            return None
        rows = self._page_rows(*found)
        return {
            "record": self._record_answer(*found, audience),
            "pages": self._pages_answer(*found, audience, terms, rows),
            "originals": self._originals_answer(*found, rows),
        }

    def page_boxes(
        self, record_id: str, numbers: Sequence[int], terms: str, audience: Audience
    ) -> dict[int, list[dict]] | None:
        """Where the query ``terms`` match on the images of some pages of a record: for each
        page whose original ``audience`` may see (:func:`catalog.policy.view_of` says
        ``shown``: the text is public, no personal data was found on it), the boxes of
        :func:`analyzers.page_boxes.match_boxes` (fractions of the page; [] for a page
        stored without word boxes). Other pages are left out; None exactly when
        :meth:`record` is None."""
        found = self._visible(record_id, audience)
        if found is None:
            return None
        record, view = found
        wanted = set(numbers)
        shown = [
            p.number
            for p in self._page_rows(record, view)
            if p.number in wanted
            and view.original(p.personal_data, p.method == "needs_ocr") == policy.ORIGINAL_SHOWN
        ]
        layouts = self.store.page_layouts(record.archive, record.archive_code, shown) if shown else {}
        query = query_terms(terms[:MAX_QUERY_LENGTH])
        return {number: match_boxes(layouts.get(number), query) for number in shown}

    def _page_rows(self, record: Record, view: View) -> list:
        if not view.text:
            return []
        return self.store.pages_of(record.archive, record.archive_code)

    def pages(
        self, record_id: str, audience: Audience, terms: str | Sequence[str] | None = None
    ) -> dict | None:
        """A record's pages as ``audience`` may read them, and where ``terms`` match.

        ``terms`` is the query string (its positive terms are used) or a list of terms.
        Answers None exactly when :meth:`record` does (missing, or closed to the caller);
        otherwise ``{"id", "visibility", "count", "first_match", "matches", "pages"}``, where
        each page is ``{"number", "text", "html", "quality", "low_quality", "method",
        "match"}``: ``text`` is the original (personal data masked for all but the record's
        own staff), ``html`` its reading text (converter debris removed) escaped, with
        ``<mark>`` around the matches. When the
        text is not public (目录开放), ``pages`` is empty and ``count`` is 0.
        """
        found = self._visible(record_id, audience)
        if found is None:
            return None
        return self._pages_answer(*found, audience, terms, self._page_rows(*found))

    def _pages_answer(
        self, record: Record, view: View, audience: Audience, terms: str | Sequence[str] | None, rows: list
    ) -> dict:
        answer: dict[str, Any] = {
            "id": record.id,
            "visibility": view.visibility,
            "count": 0,
            "first_match": None,
            "matches": [],
            "pages": [],
        }
        if not view.text:
            return answer
        wanted = query_terms(terms[:MAX_QUERY_LENGTH] if isinstance(terms, str) else terms)
        groups = term_groups(wanted)
        for page in rows:
            text = mask_personal_data(page.text) if view.masked else page.text
            match = page_matches(page.search_text, groups)
            answer["pages"].append(
                {
                    "number": page.number,
                    "text": text,
                    "html": highlight_full(text, wanted),
                    "quality": page.quality,
                    "low_quality": page.low_quality,
                    "method": page.method,
                    "match": match,
                }
            )
            if match:
                answer["matches"].append(page.number)
        answer["count"] = len(answer["pages"])
        answer["first_match"] = answer["matches"][0] if answer["matches"] else None
        return answer

    def originals(self, record_id: str, audience: Audience) -> dict | None:
        """What ingest knows of the files a record's pages were read from, for page images
        and downloads; whether each may be served is :func:`catalog.policy.view_of`'s
        decision, given as each page's and file's ``"original"`` (``shown``, ``withheld``
        or ``none``) from its ``personal_data`` and ``unread``.

        Answers None exactly when :meth:`record` does. Otherwise ``{"id", "archive_code",
        "access", "classification", "files", "pages"}``; ``files`` and ``pages`` are empty
        unless the caller may read the text. ``files`` lists the page files in page order:
        ``{"number"`` (1, 2, … in that order), ``"path", "sha256", "size", "mtime_ns",
        "status", "pages"`` (the record's page numbers it gave), ``"personal_data"`` (kinds
        found on any of them), ``"unread"}`` (some page still has no text, e.g. waiting for
        OCR). ``pages`` maps a page number to ``{"file"`` (its file's number), ``"index"``
        (0-based, inside the file), ``"personal_data", "unread"}``. A page read from an
        hOCR or ALTO file whose scan ingest found and hashed has that scan as its file
        (listed after the page files; see :mod:`indexer.layout_images`).
        """
        found = self._visible(record_id, audience)
        if found is None:
            return None
        return self._originals_answer(*found, self._page_rows(*found))

    def _originals_answer(self, record: Record, view: View, rows: list) -> dict:
        answer: dict[str, Any] = {
            "id": record.id,
            "archive_code": record.archive_code,
            "access": record.access,
            "classification": record.classification,
            "files": [],
            "pages": {},
        }
        if not view.text:
            return answer
        states = self.store.page_files_of(record.archive, record.archive_code)
        by_path: dict[str, dict[str, Any]] = {}
        for number, state in enumerate(sorted(states, key=lambda s: (s.start or 0, s.path)), start=1):
            by_path[state.path] = _file_entry(number, state, unread=bool(state.needs_ocr))
        scans = self._scans(record, by_path)
        for page in rows:
            file = scans.get((page.source, page.number)) or by_path.get(page.source)
            unread = page.method == "needs_ocr"
            answer["pages"][page.number] = {
                "file": file["number"] if file else None,
                "index": page.number - file["start"] if file else None,
                "personal_data": list(page.personal_data),
                "unread": unread,
                "original": view.original(page.personal_data, unread),
            }
            if file:
                file["pages"].append(page.number)
                file["personal_data"] = sorted({*file["personal_data"], *page.personal_data})
                file["unread"] = file["unread"] or unread
        for file in by_path.values():
            file["original"] = view.original(file["personal_data"], file["unread"])
        answer["files"] = list(by_path.values())
        return answer

    def _scans(self, record: Record, by_path: dict[str, dict[str, Any]]) -> dict[tuple[str, int], dict]:
        """The scans (扫描件) the record's hOCR/ALTO files named, added to ``by_path`` as
        files after the page files, by ``(layout file, page number)`` of the pages they show:
        a page read from a layout file has its scan's frame as its image."""
        out: dict[tuple[str, int], dict] = {}
        states = self.store.image_files_of(record.archive, record.archive_code)
        for state in sorted(states, key=lambda s: (s.start or 0, s.path)):
            if state.path in by_path or state.named_by not in by_path:
                continue
            file = by_path[state.path] = _file_entry(len(by_path) + 1, state, unread=False)
            for number in range(file["start"], file["start"] + state.pages):
                out[(state.named_by, number)] = file  # a later start is the nearer frame 0
        return out


def _file_entry(number: int, state: Any, unread: bool) -> dict[str, Any]:
    """A file of :meth:`RecordPages.originals` (a page file or a scan a layout file named),
    before its pages are added."""
    return {
        "number": number,
        "path": state.path,
        "sha256": state.sha256,
        "size": state.size,
        "mtime_ns": state.mtime_ns,
        "status": state.status,
        "start": state.start or 1,
        "pages": [],
        "personal_data": [],
        "unread": unread,
    }
