"""Benchmark records in bulk (批量生成): a million records in reasonable time and memory.

Records are assembled from corpus sentences (``bench/backends.py``), so their analysis is
assembled too: each sentence is normalized and segmented once, and a record's body text
and its search-mode words are the concatenation of its sentences' (sentences end in
punctuation, which segmentation never crosses; :func:`check_tokens` measures how often
that holds exactly). The words reach the backend as ingest's workers hand them over
(``search.query_terms.prepared_tokens``), entities are the corpus's labelled names (what
the entity model finds at ingest), and everything streams in batches: memory stays
bounded whatever the count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from analyzers.normalize import normalize
from analyzers.pii import mask_personal_data
from analyzers.pinyin import pinyin_tokens
from catalog.policy import public_visibility
from catalog.records import Record, record_from_row
from catalog.store import CatalogStore, RecordWrite
from indexer.documents import index_doc
from search.base import IndexDoc
from search.query_terms import TOKEN_SEPARATOR, prepare_words, word_tokens

FACETS = {"PER": "person", "LOC": "place", "ORG": "org"}


@dataclass
class Analysed:
    """One sentence as the index sees it: normalized text and its words."""

    text: str
    words: list[str]


class SentenceCache:
    """Normalization and segmentation of each corpus sentence, computed once."""

    def __init__(self, texts: Sequence[str]) -> None:
        from analyzers.segment import index_tokens

        self.items: list[Analysed] = []
        for text in texts:
            normal = normalize(mask_personal_data(text)).text
            self.items.append(Analysed(normal, prepare_words(index_tokens(normal))))

    def body(self, indices: Sequence[int]) -> tuple[str, list[str]]:
        """A body text made of these sentences, and its words."""
        parts = [self.items[i] for i in indices]
        return "".join(p.text for p in parts), [w for p in parts for w in p.words]


def entities_of(row: dict, sentences: Sequence) -> dict:
    """The labelled names of a row's body sentences, as ingest stores text entities."""
    found: dict[str, list[str]] = {"person": [], "place": [], "org": []}
    for i in row["_body"]:
        for kind, name in sentences[i].entities:
            if kind in FACETS and name not in found[FACETS[kind]]:
                found[FACETS[kind]].append(name)
    return {"catalog": {}, "text": found}


def record_of(row: dict) -> Record:
    """The catalog record of a generated row (its private keys left out)."""
    return record_from_row({k: v for k, v in row.items() if not k.startswith("_")})


def store_rows(store: CatalogStore, rows: Sequence[dict], sentences: Sequence) -> None:
    """Write rows to the catalog with their entities, as ingest writes records."""
    store.write(
        [
            RecordWrite(
                record=record_of(row),
                pages=[],
                source="bench",
                row_hash="",
                source_hash="",
                entities=entities_of(row, sentences),
            )
            for row in rows
        ]
    )


class DocBuilder:
    """IndexDocs of generated rows as :func:`indexer.documents.index_doc` makes them, with
    every short text (titles, names, descriptions) normalized once and kept."""

    def __init__(self, sentences: Sequence, cache: SentenceCache) -> None:
        self.sentences = sentences
        self.cache = cache
        self._normal: dict[str, str] = {}
        self._pinyin: dict[str, tuple[str, ...]] = {}
        self._words: dict[str, str] = {}

    def words(self, text: str) -> str:
        """A short text's prepared words (as ingest's workers send them), computed once;
        the memo is emptied when it grows past 200,000 texts, so memory stays bounded."""
        found = self._words.get(text)
        if found is None:
            if len(self._words) > 200_000:
                self._words.clear()
            found = self._words[text] = TOKEN_SEPARATOR.join(word_tokens(text))
        return found

    def normal(self, text: str) -> str:
        """``text`` normalized (personal data masked), computed once."""
        found = self._normal.get(text)
        if found is None:
            found = self._normal[text] = normalize(mask_personal_data(text)).text
        return found

    def spaced_words(self, text: str) -> str:
        """Prepared words of a text made of space-separated parts (subjects and a
        description), part by part: segmentation never crosses a space, so this equals
        segmenting the whole (:func:`check_tokens` counts it)."""
        return TOKEN_SEPARATOR.join(filter(None, (self.words(p) for p in text.split(" "))))

    def doc(self, row: dict) -> tuple[IndexDoc, str, list[str]]:
        """The row's IndexDoc, its body text and the body's words."""
        text, words = self.cache.body(row["_body"])
        classification = "none" if row["classification"] == "无" else row["classification"]
        visibility = public_visibility(row["access"], classification)
        names = entities_of(row, self.sentences)["text"] if visibility != "catalog" else {}
        title = self.normal(row["title"])
        pinyin = self._pinyin.get(title)
        if pinyin is None:
            pinyin = self._pinyin[title] = tuple(dict.fromkeys(pinyin_tokens(title)))
        doc = IndexDoc(
            id=f"{row['archive']}/{row['archive_code']}",
            archive=row["archive"],
            archive_code=row["archive_code"],
            title=row["title"],
            date=row["date"],
            year=int(row["date"][:4]) if row["date"] else None,
            record_type=row["record_type"],
            visibility=visibility,
            classified=classification != "none",
            title_text=title,
            creator_text=self.normal(row["creator"]),
            meta_text=normalize(mask_personal_data(" ".join([*row["subjects"], row["description"]]))).text,
            body_text=text,
            persons=tuple(dict.fromkeys(self.normal(n) for n in names.get("person", ()))),
            places=tuple(dict.fromkeys(self.normal(n) for n in names.get("place", ()))),
            orgs=tuple(dict.fromkeys(self.normal(n) for n in names.get("org", ()))),
            pinyin=pinyin,
        )
        return doc, text, words

    def docs(self, rows: Sequence[dict]) -> tuple[list[IndexDoc], dict[str, str]]:
        """IndexDocs of rows and the prepared words of all their texts (for
        ``prepared_tokens``), as ingest's workers hand them to the writer
        (:func:`indexer.documents.doc_tokens`): bodies from the sentence cache, short
        texts (titles, creators, descriptions, names) from a memo."""
        docs, prepared = [], {}
        for row in rows:
            doc, text, words = self.doc(row)
            docs.append(doc)
            for short in (doc.title_text, doc.creator_text, *doc.persons, *doc.places, *doc.orgs):
                if short and short not in prepared and TOKEN_SEPARATOR not in short:
                    prepared[short] = self.words(short)
            if doc.meta_text not in prepared:
                prepared[doc.meta_text] = self.spaced_words(doc.meta_text)
            prepared[text] = TOKEN_SEPARATOR.join(words)
        return docs, prepared

    def same_as_ingest(self, row: dict) -> bool:
        """Whether the row's IndexDoc equals what ``index_doc`` makes of its record."""
        return self.doc(row)[0] == index_doc(record_of(row), entities_of(row, self.sentences))


def check_tokens(rows: Sequence[dict], builder: DocBuilder) -> tuple[int, int, int]:
    """Of ``rows``: how many get exactly the words segmenting the whole body (and the
    whole description) would give,
    how many exactly ingest's IndexDoc, and how many were checked."""
    words = docs = 0
    for row in rows:
        text, found = builder.cache.body(row["_body"])
        meta = builder.doc(row)[0].meta_text
        words += word_tokens(text) == found and TOKEN_SEPARATOR.join(
            word_tokens(meta)
        ) == builder.spaced_words(meta)
        docs += builder.same_as_ingest(row)
    return words, docs, len(rows)
