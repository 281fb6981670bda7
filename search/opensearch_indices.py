"""This installation's OpenSearch indices: versioned names behind one alias (别名).

Indices are named ``{alias}-v{N}``; the alias points to the one searches read. A rebuild
writes ``{alias}-v{N+1}`` beside the live index with refreshes off, then moves the alias
in one atomic request and drops the old index, so searches keep answering meanwhile.
This module only manages indices and bulk writes; :mod:`search.opensearch_backend`
turns the node's failures into :class:`search.base.BackendUnavailable`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import NotFoundError, RequestError, TransportError

from search.opensearch_fields import INDEX_SETTINGS, MAPPINGS, PART_MAPPING

BULK_TIMEOUT = 120.0  # seconds for one bulk, refresh or index-management request


class VersionedIndices:
    """The indices ``{alias}-v{N}`` of one installation and the alias over them."""

    def __init__(self, client: OpenSearch, alias: str) -> None:
        self.client = client
        self.alias = alias
        self._pattern = re.compile(rf"^{re.escape(alias)}-v(\d+)$")

    def versions(self) -> dict[str, int]:
        """This installation's versioned index names, with their numbers."""
        found = self.client.indices.get(
            index=f"{self.alias}-v*",
            allow_no_indices=True,
            expand_wildcards="open,closed",
            request_timeout=BULK_TIMEOUT,
        )
        return {name: int(m.group(1)) for name in found if (m := self._pattern.match(name))}

    def next_name(self) -> str:
        """The name the next built index takes: one above the highest version."""
        return f"{self.alias}-v{max(self.versions().values(), default=0) + 1}"

    def create(self, name: str, alias: bool, building: bool = False) -> None:
        """Create index ``name`` (refreshes off while ``building``), under the alias if asked."""
        settings = dict(INDEX_SETTINGS)
        if building:  # bulk load: no refreshes until the build is complete
            settings["refresh_interval"] = "-1"
        body: dict[str, Any] = {"settings": settings, "mappings": MAPPINGS}
        if alias:
            body["aliases"] = {self.alias: {}}
        self.client.indices.create(index=name, body=body, request_timeout=BULK_TIMEOUT)

    def aliased(self) -> list[str]:
        """The indices the alias points to now."""
        try:
            return sorted(self.client.indices.get_alias(name=self.alias, request_timeout=BULK_TIMEOUT))
        except NotFoundError:
            return []

    def ensure(self) -> None:
        """Create the first versioned index and the alias when this installation has none."""
        if not self.client.indices.exists_alias(name=self.alias):
            self._refuse_plain_index()
            try:
                self.create(self.next_name(), alias=True)
            except RequestError as exc:  # another process created it first
                if "already_exists" not in str(exc.error):
                    raise
                if not self.client.indices.exists_alias(name=self.alias):
                    raise
        # An index made before the 档号's parts were stored takes their fields (its
        # documents have them after `lantai reindex`); adding fields changes nothing else.
        self.client.indices.put_mapping(index=self.alias, body=PART_MAPPING, request_timeout=BULK_TIMEOUT)

    def _refuse_plain_index(self) -> None:
        if self.client.indices.exists(index=self.alias):
            raise RuntimeError(
                f"OpenSearch index {self.alias!r} exists but is not an alias; "
                "rename it or choose another 'index' setting"
            )

    def bulk(self, actions: Iterable[dict], index: str) -> int:
        """Send actions in chunks with retries on 429; returns how many succeeded.

        Deleting a document that is not there counts as done; any other refused action
        raises, naming how many were refused and the first one's id and error.
        """
        done = 0
        failed: list[dict] = []
        for ok, item in helpers.streaming_bulk(
            self.client,
            actions,
            index=index,
            chunk_size=500,
            max_chunk_bytes=20 * 1024 * 1024,
            max_retries=3,
            initial_backoff=1,
            raise_on_error=False,
            request_timeout=BULK_TIMEOUT,
        ):
            if ok:
                done += 1
            else:
                op = next(iter(item.values()))
                if not (op.get("status") == 404 and "delete" in item):
                    failed.append(op)
        if failed:
            first = failed[0]
            raise RuntimeError(
                f"OpenSearch refused {len(failed)} documents; first: {first.get('_id')}: {first.get('error')}"
            )
        return done

    def refresh(self, index: str | None = None) -> None:
        """Make what was written searchable (the alias's index unless one is named)."""
        self.client.indices.refresh(index=index or self.alias, request_timeout=BULK_TIMEOUT)

    def rebuild(self, actions: Iterable[dict]) -> int:
        """Write ``actions`` into a new versioned index, switch the alias to it atomically
        and drop the old index; returns how many documents were written.

        On failure the new index is removed and the alias still points to the old one.
        """
        if not self.client.indices.exists_alias(name=self.alias):
            self._refuse_plain_index()
        new = self.next_name()
        self.create(new, alias=False, building=True)
        try:
            count = self.bulk(actions, new)
            self.client.indices.put_settings(
                index=new, body={"index": {"refresh_interval": None}}, request_timeout=BULK_TIMEOUT
            )
            self.refresh(new)
            old = self.aliased()
            moves: list[dict] = [{"remove": {"index": o, "alias": self.alias}} for o in old]
            moves.append({"add": {"index": new, "alias": self.alias}})
            self.client.indices.update_aliases(body={"actions": moves}, request_timeout=BULK_TIMEOUT)
        except BaseException:
            try:
                self.client.indices.delete(index=new, ignore_unavailable=True, request_timeout=BULK_TIMEOUT)
            except TransportError:
                pass  # the node went away too; the unused index is harmless
            raise
        if old:
            self.client.indices.delete(
                index=",".join(old), ignore_unavailable=True, request_timeout=BULK_TIMEOUT
            )
        return count

    def drop(self) -> None:
        """Delete this installation's indices and so the alias (tests, uninstall)."""
        names = sorted(self.versions())
        if names:
            self.client.indices.delete(
                index=",".join(names), ignore_unavailable=True, request_timeout=BULK_TIMEOUT
            )
