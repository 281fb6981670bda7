"""SQL of the embedded backend's searches: FTS5 expressions of parsed queries, the
visibility of an audience's scope, filters, and the one SELECT of a search's matches.

Text columns hold search-mode word tokens (jieba) separated by spaces; ``*_chars``
columns hold one token per character for exact phrases. The ``tags`` column holds
reserved tokens of a record's visibility, archive, type and entities
(:mod:`search.sqlite_filters`).

Proximity (``Near``) is matched with FTS5 ``NEAR`` on the ``*_chars`` columns, whose tokens
are characters, so its distance counts characters (a Latin word or a number as one).
FTS5's ``NEAR`` has no order: an ordered proximity (W/n) is matched as unordered and each
candidate checked (``search.sqlite_near``).
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzers.query import And, Near, Node, Not, Or, Phrase, Term, YearRange
from catalog.policy import Scope
from search.base import SearchRequest
from search.query_terms import char_tokens, needs_string_match, pinyin_term, term_tokens, year_terms
from search.relevance import DEFAULT, Relevance
from search.sqlite_filters import branch_tags, filter_sql
from search.sqlite_near import contains_ordered, excluded_sql, ordered_sql

COLUMNS = (
    "title",
    "code",
    "creator",
    "meta",
    "body",
    "person",
    "place",
    "org",
    "pinyin",
    "year",
    "title_chars",
    "meta_chars",
    "body_chars",
    "tags",
)
#: The field of ``search.relevance.Relevance.field_weights`` each column is weighted as
#: (``tags`` weighs 0).
COLUMN_FIELDS = {
    "title": "title_words",
    "code": "code_chars",
    "creator": "creator_words",
    "meta": "meta_words",
    "body": "body_words",
    "person": "person_words",
    "place": "place_words",
    "org": "org_words",
    "pinyin": "pinyin",
    "year": "year_terms",
    "title_chars": "title_chars",
    "meta_chars": "meta_chars",
    "body_chars": "body_chars",
}
TERM_COLUMNS = {
    True: "title code creator meta body person place org",
    False: "title code creator meta person place org",
}
PHRASE_COLUMNS = {True: "title_chars meta_chars body_chars", False: "title_chars meta_chars"}
FIELD_COLUMNS = {
    "title": "title",
    "creator": "creator",
    "person": "person",
    "place": "place",
    "org": "org",
    "code": "code",
}
#: The temporary table a search's matches are read into, and the row columns kept in it.
MATCH_COLUMNS = "rid, score, vis, id, date, archive, year, record_type, fonds, series"
KEPT = "d.id, d.date, d.archive, d.year, d.record_type, d.fonds, d.series"
#: ``tier`` orders a capped answer: 0 for a match in the title and subject fields,
#: 1 for the other candidates (always 0 when every match is ranked).
MATCHES_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS matches (rid INTEGER PRIMARY KEY, "
    "score REAL NOT NULL, vis TEXT NOT NULL, id TEXT NOT NULL, date TEXT NOT NULL, "
    "archive TEXT NOT NULL, year INTEGER, record_type TEXT NOT NULL, fonds TEXT NOT NULL, "
    "series TEXT NOT NULL, tier INTEGER NOT NULL DEFAULT 0)"
)


def bm25_sql(relevance: Relevance = DEFAULT) -> str:
    """The score of a match: bm25 with the columns' weights (higher is better)."""
    weights = relevance.field_weights()
    column_weights = (float(weights.get(COLUMN_FIELDS.get(c, ""), 0.0)) for c in COLUMNS)
    return "-bm25(fts, " + ", ".join(repr(w) for w in column_weights) + ")"


BM25 = bm25_sql()


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


class Translator:
    """Translate a query tree into an FTS5 expression for one visibility level.

    ``excluded_visible``: the level whose columns a NOT excludes on (default the same);
    the title and subject matches of a text-visible record match on the catalog columns
    but are excluded on all of them, so that they are always matches of the whole query.
    """

    def __init__(self, text_visible: bool, excluded_visible: bool | None = None) -> None:
        self.text_visible = text_visible
        self.excluded = (
            self if excluded_visible in (None, text_visible) else Translator(bool(excluded_visible))
        )

    def leaf(self, node: Term | Phrase | YearRange | Near) -> str | None:
        if isinstance(node, YearRange):
            return "{year} : (" + " OR ".join(year_terms(node.start, node.end)) + ")"
        if isinstance(node, Near):
            first, second = char_tokens(node.first), char_tokens(node.second)
            if not first or not second:
                return None
            phrases = f"{_quote(' '.join(first))} {_quote(' '.join(second))}"
            return f"{{{PHRASE_COLUMNS[self.text_visible]}}} : NEAR({phrases}, {node.distance})"
        field = node.field
        if field == "code":
            tokens = char_tokens(node.text)
            return f"{{code}} : {_quote(' '.join(tokens))}" if tokens else None
        if isinstance(node, Phrase) and field in (None, "title"):
            tokens = char_tokens(node.text)
            columns = "title_chars" if field == "title" else PHRASE_COLUMNS[self.text_visible]
            return f"{{{columns}}} : {_quote(' '.join(tokens))}" if tokens else None
        tokens = term_tokens(node.text)
        columns = FIELD_COLUMNS.get(field or "", TERM_COLUMNS[self.text_visible])
        expr = f"{{{columns}}} : (" + " AND ".join(_quote(t) for t in tokens) + ")" if tokens else None
        if expr and field in (None, "title") and needs_string_match(node.text):
            # The term as a string too: texts indexed before a word was learned still match.
            chars = char_tokens(node.text)
            phrase_columns = "title_chars" if field == "title" else PHRASE_COLUMNS[self.text_visible]
            expr = f"({expr}) OR ({{{phrase_columns}}} : {_quote(' '.join(chars))})"
        key = pinyin_term(node.text) if field in (None, "title", "person", "place", "org") else None
        if key:
            pinyin = f"{{pinyin}} : {_quote(key)}"
            expr = f"({expr} OR {pinyin})" if expr else pinyin
        return expr

    def positive(self, node: Node) -> str | None:
        """FTS expression for ``node``; None when it has nothing positive to match."""
        if isinstance(node, And):
            pos = [p for c in node.children if not isinstance(c, Not) if (p := self.positive(c)) is not None]
            if not pos:
                return None
            expr = " AND ".join(f"({p})" for p in pos)
            for child in node.children:
                if isinstance(child, Not) and contains_ordered(child.child):
                    continue  # matched as unordered: excluded row by row (sqlite_near)
                if isinstance(child, Not) and (neg := self.excluded.positive(child.child)) is not None:
                    expr = f"({expr}) NOT ({neg})"
            return expr
        if isinstance(node, Or):
            # A bare NOT inside OR cannot be expressed; it is left out.
            parts = [
                p for c in node.children if not isinstance(c, Not) if (p := self.positive(c)) is not None
            ]
            return " OR ".join(f"({p})" for p in parts) if parts else None
        if isinstance(node, Not):
            return None
        return self.leaf(node)

    def negative(self, node: Node) -> str | None:
        """For a purely negative query (NOT a, NOT b): what to exclude; else None."""
        children = node.children if isinstance(node, And) else (node,)
        if not all(isinstance(c, Not) for c in children):
            return None
        parts = [p for c in children if (p := self.positive(c.child)) is not None]  # type: ignore[union-attr]
        return " OR ".join(f"({p})" for p in parts) if parts else None


def visibility_sql(scope: Scope) -> tuple[str, list]:
    """SQL for 'the text of d is visible to scope', with its parameters."""
    if scope.all_archives:
        own = "1" if scope.clearance else "d.classified = 0"
        return f"(d.visibility = 'full' OR {own})", []
    if scope.own_archives:
        marks = ", ".join("?" * len(scope.own_archives))
        clearance = "" if scope.clearance else " AND d.classified = 0"
        return (f"(d.visibility = 'full' OR (d.archive IN ({marks}){clearance}))", sorted(scope.own_archives))
    return "(d.visibility = 'full')", []


@dataclass(frozen=True)
class Branch:
    """One visibility branch of a search with something positive to match.

    ``match`` is the FTS5 expression of all its matches and ``titled`` of those in the
    title and subject fields (the catalog columns), both with the branch's tags on a
    tagged index; ``where`` is the condition on ``docs d`` the branch keeps (visibility
    and filters, always applied when a row is read). ``index_only``: the match alone
    decides visibility and filters, so the branch is counted without reading a row.
    ``score`` is the SQL of a match's score (:func:`bm25_sql`).
    """

    vis: str
    match: str
    titled: str
    where: str
    params: list
    index_only: bool
    score: str = BM25


def branches(
    request: SearchRequest,
    scope: Scope,
    tagged: bool = True,
    score: str = BM25,
    entity_tags: bool = False,
) -> list[Branch]:
    """The visibility branches of a request's query (text visible, then 目录开放) that
    have something positive to match; empty without a query or for a purely negative one.
    ``tagged``: match with the ``tags`` column; ``score``: the SQL of a match's score;
    ``entity_tags``: as :func:`search.sqlite_filters.filter_sql`."""
    if request.query is None:
        return []
    text_sql, text_params = visibility_sql(scope)
    filters, filter_params = filter_sql(request, entity_tags)
    simple = (
        scope.is_public
        and request.year_from is None
        and request.year_to is None
        and not request.fonds
        and not request.series
    )
    found = []
    for text_visible in (True, False):
        positive = Translator(text_visible).positive(request.query)
        if positive is None:
            continue
        titled = Translator(False, excluded_visible=text_visible).positive(request.query) or positive
        tags = branch_tags(request, scope, text_visible) if tagged else ""
        where = text_sql if text_visible else f"NOT {text_sql} AND d.visibility = 'catalog'"
        translator = Translator(text_visible)
        ordered, ordered_params = ordered_sql(
            request.query, PHRASE_COLUMNS[text_visible], translator.positive
        )
        found.append(
            Branch(
                vis="full" if text_visible else "catalog",
                match=f"({positive}) AND {tags}" if tags else positive,
                titled=f"({titled}) AND {tags}" if tags else titled,
                where=f"{where} AND {filters}" + (f" AND ({ordered})" if ordered else ""),
                params=[*text_params, *filter_params, *ordered_params],
                index_only=tagged and simple and not request.entities and not ordered,
                score=score,
            )
        )
    return found


def branches_sql(found: list[Branch]) -> tuple[str, list]:
    """The SELECT of :func:`matched_sql` for a query's branches (:func:`branches`, not
    empty): one per branch, joined by UNION ALL."""
    parts = [
        f"SELECT fts.rowid, {b.score}, '{b.vis}', {KEPT} FROM fts CROSS JOIN docs d "
        f"ON d.rowid = fts.rowid WHERE fts MATCH ? AND {b.where}"
        for b in found
    ]
    return " UNION ALL ".join(parts), [p for b in found for p in (b.match, *b.params)]


def matched_sql(
    request: SearchRequest,
    scope: Scope,
    tagged: bool = True,
    score: str = BM25,
    entity_tags: bool = False,
    found: list[Branch] | None = None,
) -> tuple[str, list]:
    """A SELECT of (rid, score, vis, id, date, archive, year, record_type, fonds, series)
    for every visible, filtered match (the columns of ``MATCH_COLUMNS``); ``found`` are the
    query's branches when the caller built them already (:func:`branches`).

    Each branch drives from the full-text match (CROSS JOIN keeps SQLite from
    starting at ``docs``) and reads each match's row once, for visibility and filters,
    and keeps what date sorts and the catalog facets need, so that they read no row again.
    On a tagged index the match itself keeps only the branch's visibility (and archive and
    type filters), so the catalog-only branch walks the short list of 目录开放 records.
    """
    if found is None:
        found = branches(request, scope, tagged, score, entity_tags)
    if found:
        return branches_sql(found)
    text_sql, text_params = visibility_sql(scope)
    filters, filter_params = filter_sql(request, entity_tags)
    node = request.query
    parts = []
    params: list = []
    for text_visible in (True, False):
        where = text_sql if text_visible else f"NOT {text_sql} AND d.visibility = 'catalog'"
        vis = "'full'" if text_visible else "'catalog'"
        translator = Translator(text_visible)
        negative = translator.negative(node) if node is not None else None
        if node is None or negative is not None:
            exclude, exclude_params = "", []
            if node is not None and negative is not None:
                exact, exact_params = excluded_sql(node, PHRASE_COLUMNS[text_visible], translator.positive)
                exclude = f" AND d.rowid NOT IN (SELECT fts.rowid FROM fts WHERE fts MATCH ? AND ({exact}))"
                exclude_params = [negative, *exact_params]
            parts.append(
                f"SELECT d.rowid, 0.0, {vis}, {KEPT} FROM docs d WHERE {where} AND {filters}{exclude}"
            )
            params += [*text_params, *filter_params, *exclude_params]
    if not parts:
        return "SELECT NULL, 0.0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE 0", []
    return " UNION ALL ".join(parts), params


def count_sql(branch: Branch) -> tuple[str, list]:
    """The number of a branch's matches: from the full-text index alone when the match
    decides everything, else each match's row checked."""
    if branch.index_only:
        return "SELECT count(*) FROM fts WHERE fts MATCH ?", [branch.match]
    return (
        "SELECT count(*) FROM fts CROSS JOIN docs d ON d.rowid = fts.rowid "
        f"WHERE fts MATCH ? AND {branch.where}",
        [branch.match, *branch.params],
    )


def candidates_sql(branch: Branch, titled: bool, limit: int) -> tuple[str, list]:
    """A SELECT of (rid, score, vis, tier, id, date, archive, year, record_type) for the
    ``limit`` most recently indexed of a branch's matches (``titled``: of its title and
    subject matches, tier 0; else of all, tier 1), scored by bm25 of that expression.
    FTS5 walks its matches by descending rowid and stops at ``limit``: the others are
    neither scored nor read."""
    match, tier = (branch.titled, 0) if titled else (branch.match, 1)
    if branch.index_only:
        return (
            f"SELECT c.rid, c.score, '{branch.vis}', {tier}, {KEPT} FROM (SELECT rowid AS rid, "
            f"{branch.score} AS score FROM fts WHERE fts MATCH ? ORDER BY rowid DESC LIMIT ?) c "
            f"CROSS JOIN docs d ON d.rowid = c.rid WHERE {branch.where}",
            [match, limit, *branch.params],
        )
    return (
        f"SELECT fts.rowid, {branch.score}, '{branch.vis}', {tier}, {KEPT} FROM fts CROSS JOIN docs d "
        f"ON d.rowid = fts.rowid WHERE fts MATCH ? AND {branch.where} ORDER BY fts.rowid DESC LIMIT ?",
        [match, *branch.params, limit],
    )


def code_match_sql(branch: Branch, code: str) -> tuple[str, list]:
    """A SELECT like :func:`candidates_sql`'s (tier 0) of the branch's match whose 档号 is
    ``code``, if any: driven from the code index, one full-text lookup by rowid."""
    return (
        f"SELECT fts.rowid, {branch.score}, '{branch.vis}', 0, {KEPT} FROM docs d CROSS JOIN fts "
        f"ON fts.rowid = d.rowid WHERE lower(d.archive_code) = lower(?) AND fts MATCH ? AND {branch.where}",
        [code, branch.match, *branch.params],
    )


def browse_sql(
    request: SearchRequest, scope: Scope, entity_tags: bool = False
) -> tuple[str, list, str, list]:
    """For a request without a query (browsing, 浏览): the condition on ``docs d`` of every
    visible, filtered record, and the visibility each is shown with, as
    ``(where, where_params, vis, vis_params)``.

    The same records as :func:`matched_sql` gives for no query (its two branches are
    disjoint: text visible, or else 目录开放), read from ``docs`` alone.
    """
    text_sql, text_params = visibility_sql(scope)
    filters, filter_params = filter_sql(request, entity_tags)
    vis = f"CASE WHEN {text_sql} THEN 'full' ELSE 'catalog' END"
    where = f"({text_sql} OR d.visibility = 'catalog') AND {filters}"
    return where, [*text_params, *filter_params], vis, list(text_params)


def phrase_matches(tokens: list[str]) -> list[tuple[str, str]]:
    """For the exact-phrase boost: per visibility a match is shown with (``full``,
    ``catalog``), the FTS5 expression of the records holding the phrase ``tokens`` (one
    per character) in the columns that visibility may match (never the text of a 目录开放
    record)."""
    phrase = _quote(" ".join(tokens))
    levels = (("full", True), ("catalog", False))
    return [(vis, f"{{{PHRASE_COLUMNS[visible]}}} : {phrase}") for vis, visible in levels]


def tie_order(ties: tuple[str, ...], table: str, in_title: str = "") -> str:
    """ORDER BY keys after the score, for the ``relevance_tie_break`` keys ``ties``, on the
    rows of ``table`` (which has ``date`` and ``id``); ``in_title`` is the SQL condition
    'the title holds a query term' ('' when there is none). The 档号 (id) comes last.

    >>> tie_order(("title", "newest"), "m", "t")
    'CASE WHEN t THEN 0 ELSE 1 END, m.date DESC, m.id'
    """
    keys = {
        "title": f"CASE WHEN {in_title} THEN 0 ELSE 1 END" if in_title else "",
        "date": f"{table}.date",
        "newest": f"{table}.date DESC",
    }
    return ", ".join([k for key in ties if (k := keys[key])] + [f"{table}.id"])
