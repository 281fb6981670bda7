"""Reading a search's answer in the embedded backend: the page, the facets, the capped
candidate set of a large result, and browsing without a query (浏览).

A search first reads its matches into the temporary table ``temp.matches`` (see
``search.sqlite_query.MATCHES_TABLE``); these functions read the answer from it, or, for
browsing, from ``docs`` directly.
"""

from __future__ import annotations

import sqlite3

from analyzers.query import positive_terms
from catalog.policy import Scope
from search.base import ENTITY_LABELS, Hit, SearchRequest
from search.relevance import phrase_tokens
from search.sqlite_query import (
    KEPT,
    MATCH_COLUMNS,
    Branch,
    browse_sql,
    candidates_sql,
    code_match_sql,
    phrase_matches,
    tie_order,
)

FACET_LIMIT = 100  # archive, year, record_type, fonds, series
ENTITY_FACET_LIMIT = 30
# 档号 order (sort=code) over a table alias {t} of docs: archive, then the code as stored
# (compared by its UTF-8 bytes, as OpenSearch compares keywords), then id.
CODE_ORDER = "{t}.archive, {t}.archive_code, {t}.id"


def _top(counts: dict, limit: int) -> dict[str, int]:
    """The ``limit`` largest counts, ties by value, keys as text."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return {str(key): count for key, count in ordered}


def candidates(
    conn: sqlite3.Connection, found: list[Branch], counts: list[int], request: SearchRequest, limit: int
) -> int:
    """Above ``exact_total_limit`` (约 N): read a capped candidate set of about
    ``limit`` matches into the matches table instead of ranking every match, and
    return its size. The total is counted in full elsewhere.

    First the most recently indexed title and subject matches (tier 0, ranked first),
    each visibility branch in proportion to its matches; if they are fewer than
    ``limit``, the most recently indexed matches in any field fill up (tier 1). Each
    is scored by bm25 of the expression that found it. A match whose 档号 is the query
    is always one.
    """
    columns = "rid, score, vis, tier, id, date, archive, year, record_type, fonds, series"

    def insert(sql: str, params: list) -> None:
        conn.execute(f"INSERT OR IGNORE INTO temp.matches ({columns}) {sql}", params)

    code = request.raw_query.strip()
    total = sum(counts) or 1
    for branch, count in zip(found, counts, strict=True):
        insert(*code_match_sql(branch, code))
        if count:
            insert(*candidates_sql(branch, True, -(-limit * count // total)))
    ranked = conn.execute("SELECT count(*) FROM temp.matches").fetchone()[0]
    if ranked < limit:
        for branch in found:
            if branch.vis == "full":
                insert(*candidates_sql(branch, False, limit))
        ranked = conn.execute("SELECT count(*) FROM temp.matches").fetchone()[0]
    return ranked


def boost_phrase(conn: sqlite3.Connection, request: SearchRequest, boost: float) -> None:
    """The exact-phrase boost (``relevance_phrase_boost``): the score of each match holding
    the query's words together, as typed (:func:`search.relevance.phrase_tokens`), in a
    column its visibility may match is multiplied by ``boost``."""
    tokens = phrase_tokens(request.query)
    if boost == 1 or not tokens:
        return
    # The phrase is looked up between the lowest and highest match only: a capped answer
    # holds the most recently indexed matches, so the lookup reads the index's tail alone.
    low, high = conn.execute("SELECT min(rid), max(rid) FROM temp.matches").fetchone()
    if low is None:
        return
    for vis, match in phrase_matches(tokens):
        conn.execute(
            "UPDATE temp.matches SET score = score * ? WHERE vis = ? AND rid IN "
            "(SELECT rowid FROM fts WHERE fts MATCH ? AND rowid BETWEEN ? AND ?)",
            (boost, vis, match, low, high),
        )


def browse(
    conn: sqlite3.Connection,
    request: SearchRequest,
    scope: Scope,
    sample_size: int,
    ties: tuple[str, ...] = ("title", "date"),
    entity_tags: bool = False,
) -> tuple[int, list[Hit], dict[str, dict[str, int]]]:
    """Browsing without a query (浏览): the total, the page and the facets read from
    ``docs`` directly, in the order and with the facet sample a search gives (every
    score is 0, so the sample is the first records by rowid, and the order is that of
    the tie-break keys ``ties``), without copying every visible record into the matches
    table. ``entity_tags``: as :func:`search.sqlite_filters.filter_sql`."""
    where, where_params, vis, vis_params = browse_sql(request, scope, entity_tags)
    total = conn.execute(f"SELECT count(*) FROM docs d WHERE {where}", where_params).fetchone()[0]
    hits: list[Hit] = []
    offset = (request.page - 1) * request.size
    if offset < total and not request.raw_query.strip():
        # No 档号 to put first: the order is the date's (undated rows last in date sorts,
        # first otherwise), which an index on (record_type, date) walks with LIMIT.
        hits = _browse_page(conn, request, offset, where, where_params, vis, vis_params, ties)
    elif offset < total:
        direction = " DESC" if request.sort == "date_desc" else ""
        if request.sort == "relevance":
            order = tie_order(ties, "d")
        elif request.sort == "code":
            order = CODE_ORDER.format(t="d")
        else:
            order = f"CASE WHEN d.date = '' THEN 1 ELSE 0 END, d.date{direction}, d.id"
        code_first = (
            "CASE WHEN d.rowid IN (SELECT rowid FROM docs WHERE lower(archive_code) = "
            "lower(?)) THEN 0 ELSE 1 END"
        )
        rows = conn.execute(
            f"SELECT d.id, {vis} FROM docs d WHERE {where} ORDER BY {code_first}, {order} LIMIT ? OFFSET ?",
            [*vis_params, *where_params, request.raw_query.strip(), request.size, offset],
        ).fetchall()
        hits = [Hit(id=row[0], score=0.0, visibility=row[1]) for row in rows]
    if not request.with_facets:
        return total, hits, {}
    conn.execute(
        f"INSERT INTO temp.matches ({MATCH_COLUMNS}) SELECT d.rowid, 0.0, {vis}, {KEPT} "
        f"FROM docs d WHERE {where} ORDER BY d.rowid LIMIT ?",
        [*vis_params, *where_params, sample_size],
    )
    return total, hits, facets(conn, min(total, sample_size), sample_size)


def _browse_page(
    conn: sqlite3.Connection,
    request: SearchRequest,
    offset: int,
    where: str,
    where_params: list,
    vis: str,
    vis_params: list,
    ties: tuple[str, ...],
) -> list[Hit]:
    """A browsing page in date order, dated and undated records read apart (each in an
    order an index can give): date, then id; date sorts put the undated after the dated;
    relevance follows the tie-break keys ``ties``."""

    def rows(condition: str, order: str, limit: int, skip: int) -> list:
        return conn.execute(
            f"SELECT d.id, {vis} FROM docs d WHERE {where} AND {condition} ORDER BY {order} LIMIT ? OFFSET ?",
            [*vis_params, *where_params, limit, skip],
        ).fetchall()

    if request.sort == "relevance":  # '' sorts first: undated, then by date (or last, newest)
        found = rows("1", tie_order(ties, "d"), request.size, offset)
    elif request.sort == "code":
        found = rows("1", CODE_ORDER.format(t="d"), request.size, offset)
    else:
        direction = " DESC" if request.sort == "date_desc" else ""
        found = rows("d.date > ''", f"d.date{direction}, d.id", request.size, offset)
        if len(found) < request.size:
            if found:
                dated = offset + len(found)
            else:
                dated = conn.execute(
                    f"SELECT count(*) FROM docs d WHERE {where} AND d.date > ''", where_params
                ).fetchone()[0]
            found += rows("d.date = ''", "d.id", request.size - len(found), max(0, offset - dated))
    return [Hit(id=row[0], score=0.0, visibility=row[1]) for row in found]


def page(
    conn: sqlite3.Connection, request: SearchRequest, total: int, ties: tuple[str, ...] = ("title", "date")
) -> list[Hit]:
    """The requested page of the matches, in the requested order.

    Relevance: an exact reference code first, then score (to 4 decimals, as shown),
    ties in the order of the tie-break keys ``ties`` (by default a title holding a query
    term first, then date), then id. Only the matches that can reach the page are joined
    to their rows.
    """
    offset = (request.page - 1) * request.size
    if offset >= total:
        return []
    code = request.raw_query.strip()
    code_first = (
        "CASE WHEN m.rid IN (SELECT rowid FROM docs WHERE lower(archive_code) = lower(?)) THEN 0 ELSE 1 END"
    )
    if request.sort == "code":  # 档号 order: every match is joined to its row
        rows = conn.execute(
            f"SELECT m.id, m.score, m.vis FROM temp.matches m JOIN docs d ON d.rowid = m.rid "
            f"ORDER BY {code_first}, {CODE_ORDER.format(t='d')} LIMIT ? OFFSET ?",
            (code, request.size, offset),
        ).fetchall()
        return [Hit(id=row[0], score=round(row[1], 4), visibility=row[2]) for row in rows]
    terms = positive_terms(request.query)
    if request.sort in ("date", "date_desc") or not terms:
        # Ordered in the matches table (it keeps date and id): no row is read again.
        direction = " DESC" if request.sort == "date_desc" else ""
        order = (
            f"CASE WHEN m.date = '' THEN 1 ELSE 0 END, m.date{direction}, m.id"
            if request.sort != "relevance"
            else "m.tier, round(m.score, 4) DESC, " + tie_order(ties, "m")
        )
        rows = conn.execute(
            f"SELECT m.id, m.score, m.vis FROM temp.matches m ORDER BY {code_first}, {order} "
            "LIMIT ? OFFSET ?",
            (code, request.size, offset),
        ).fetchall()
        return [Hit(id=row[0], score=round(row[1], 4), visibility=row[2]) for row in rows]
    # Relevance with query terms: ties may go to a title holding a term, which needs the
    # row; only the matches that can reach the page (score at or above the page's
    # last one, or the exact 档号) are joined to theirs.
    in_title = " OR ".join("instr(d.title_text, ?) > 0" for _ in terms)
    source, source_params = "temp.matches", []
    wanted = offset + request.size
    if total > wanted:
        tier, edge = conn.execute(
            "SELECT tier, round(score, 4) FROM temp.matches ORDER BY tier, score DESC LIMIT 1 OFFSET ?",
            (wanted - 1,),
        ).fetchone()
        source = (
            "(SELECT * FROM temp.matches WHERE tier < ? OR (tier = ? AND round(score, 4) >= ?) OR rid IN "
            "(SELECT rowid FROM docs WHERE lower(archive_code) = lower(?)))"
        )
        source_params = [tier, tier, edge, code]
    rows = conn.execute(
        f"SELECT m.id, m.score, m.vis FROM {source} m CROSS JOIN docs d ON d.rowid = m.rid "
        f"ORDER BY {code_first}, m.tier, round(m.score, 4) DESC, {tie_order(ties, 'm', in_title)} "
        "LIMIT ? OFFSET ?",
        [*source_params, code, *(terms if "title" in ties else []), request.size, offset],
    ).fetchall()
    return [Hit(id=row[0], score=round(row[1], 4), visibility=row[2]) for row in rows]


def facets(conn: sqlite3.Connection, total: int, sample_size: int) -> dict[str, dict[str, int]]:
    """Facet counts over the matches (over the best-ranked ``sample_size`` of
    them when there are more): one GROUP BY for the catalog columns, one for entities."""
    source, ranked = "temp.matches", "temp.matches"
    if total > sample_size:  # the sample is ranked once, for both statements
        conn.execute(
            "INSERT INTO temp.sample (rid) SELECT rid FROM temp.matches "
            "ORDER BY tier, score DESC, rid LIMIT ?",
            (sample_size,),
        )
        source = "(SELECT m.* FROM temp.sample s CROSS JOIN temp.matches m ON m.rid = s.rid)"
        ranked = "temp.sample"
    columns: dict[str, dict] = {"archive": {}, "year": {}, "record_type": {}, "fonds": {}, "series": {}}
    for archive, year, record_type, fonds, series, n in conn.execute(
        f"SELECT archive, year, record_type, fonds, series, count(*) FROM {source} GROUP BY 1, 2, 3, 4, 5"
    ):
        for facet, value in (
            ("archive", archive),
            ("year", year),
            ("record_type", record_type),
            ("fonds", fonds),
            ("series", series),
        ):
            if value is not None and value != "":
                columns[facet][value] = columns[facet].get(value, 0) + n
    facets = {facet: _top(counts, FACET_LIMIT) for facet, counts in columns.items()}
    entities: dict[str, dict[str, int]] = {facet: {} for facet in ENTITY_LABELS}
    for facet, name, n in conn.execute(
        "SELECT facet, name, n FROM (SELECT e.facet, e.name, count(*) AS n, "
        "row_number() OVER (PARTITION BY e.facet ORDER BY count(*) DESC, e.name) AS r "
        f"FROM {ranked} m CROSS JOIN doc_entities e ON e.rowid = m.rid "
        f"GROUP BY e.facet, e.name) WHERE r <= {ENTITY_FACET_LIMIT} ORDER BY facet, r"
    ):
        if facet in entities:
            entities[facet][name] = n
    facets.update(entities)
    return facets
