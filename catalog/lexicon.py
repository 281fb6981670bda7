"""Words the indexer learns (词表): entity and subject names, kept in the catalog.

Learned words go to the segmenter's dictionary in the process that learns them and,
through this table, in every process that opens the catalog later, so index time and
query time segment alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.engine import Engine

from analyzers.segment import add_words
from catalog.schema import lexicon_table

MAX_WORD = 16


def learn(engine: Engine, words: Iterable[str], source: str) -> list[str]:
    """Store and add to the segmenter the words not known yet; returns them."""
    wanted = {w.strip() for w in words if 2 <= len(w.strip()) <= MAX_WORD and " " not in w.strip()}
    if not wanted:
        return []
    with engine.begin() as conn:
        known = set(
            conn.execute(
                select(lexicon_table.c.word).where(lexicon_table.c.word.in_(sorted(wanted)))
            ).scalars()
        )
        new = sorted(wanted - known)
        if new:
            conn.execute(lexicon_table.insert(), [{"word": w, "source": source} for w in new])
    add_words(new)
    return new


def load(engine: Engine) -> int:
    """Add every stored word to the segmenter; returns how many there are."""
    with engine.connect() as conn:
        words = list(conn.execute(select(lexicon_table.c.word)).scalars())
    add_words(words)
    return len(words)
