"""The records and queries of the search benchmark (``bench/backends.py``).

Catalog rows are built deterministically from the People's Daily 1998 sentences of the
shared corpus, with the corpus's labelled names as their entities; the query set mixes
terms, phrases, boolean, fields, year ranges, filters, sorts and pages.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "peoples-daily-ner" / "example.dev"
ARCHIVES = ("bench-city", "bench-county-a", "bench-county-b", "bench-county-c")
TYPES = (("文书", 60), ("照片", 10), ("红色档案", 15), ("音像", 5), ("实物", 10))
ACCESS = (
    (("open", "无"), 70),
    (("catalog_only", "无"), 12),
    (("unreviewed", "无"), 10),
    (("controlled", "无"), 4),
    (("open", "秘密"), 4),
)
TITLE_FORMS = ("关于{}的报告", "关于{}的通知", "{}的情况汇报", "关于{}问题的请示", "{}")
CJK = re.compile(r"[\u4e00-\u9fff]+")


@dataclass
class Sentence:
    """One corpus sentence with its labelled entities."""

    text: str
    entities: list[tuple[str, str]] = field(default_factory=list)  # (PER|LOC|ORG, name)


def read_sentences(path: Path) -> list[Sentence]:
    """Sentences of a character-per-line BIO file."""
    sentences: list[Sentence] = []
    chars: list[str] = []
    entities: list[tuple[str, str]] = []
    current: list[str] = []
    kind = ""

    def close_entity() -> None:
        nonlocal current, kind
        if current:
            entities.append((kind, "".join(current)))
        current, kind = [], ""

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        parts = line.split()
        if not parts:
            close_entity()
            if chars:
                sentences.append(Sentence("".join(chars), entities))
            chars, entities = [], []
            continue
        char, tag = parts[0], parts[-1] if len(parts) > 1 else "O"
        chars.append(char)
        if tag.startswith("B-"):
            close_entity()
            current, kind = [char], tag[2:]
        elif tag.startswith("I-") and current:
            current.append(char)
        else:
            close_entity()
    return sentences


def _weighted(rng: random.Random, choices: tuple) -> object:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _date(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return ""
    day = date.fromordinal(rng.randint(date(1940, 1, 1).toordinal(), date(2005, 12, 31).toordinal()))
    if roll < 0.65:
        return day.isoformat()
    return day.isoformat()[:7] if roll < 0.9 else str(day.year)


def iter_rows(sentences: list[Sentence], count: int, seed: int) -> Iterator[dict]:
    """``count`` catalog rows built from the sentences, the same for a given seed; each
    names its body's sentences (``_body``, indices) for :mod:`bench.bulk`."""
    rng = random.Random(seed)
    for n in range(count):
        archive = rng.randrange(len(ARCHIVES))
        body_ids = [rng.randrange(len(sentences)) for _ in range(rng.randint(2, 6))]
        lead = sentences[body_ids[0]]
        fragment = re.split(r"[，。；：！？、“”]", lead.text)[0][:24] or lead.text[:24]
        body = [sentences[i] for i in body_ids]
        names = [name for s in body for kind, name in s.entities if kind in ("LOC", "ORG")]
        orgs = [name for s in body for kind, name in s.entities if kind == "ORG"]
        access, classification = _weighted(rng, ACCESS)  # type: ignore[misc]
        yield {
            "archive": ARCHIVES[archive],
            "archive_code": f"J{archive + 1:03d}-{n // 1000 % 1000:03d}-{n:07d}",
            "title": rng.choice(TITLE_FORMS).format(fragment),
            "creator": rng.choice(orgs) if orgs and rng.random() < 0.5 else "",
            "date": _date(rng),
            "record_type": _weighted(rng, TYPES),
            "access": access,
            "classification": classification,
            "subjects": list(dict.fromkeys(names))[:3],
            "description": sentences[rng.randrange(len(sentences))].text[:60],
            "text": "".join(s.text for s in body),
            "_body": body_ids,
        }


def make_queries(sentences: list[Sentence], rows: list[dict], count: int, seed: int) -> list[dict[str, str]]:
    """A mixed, reproducible set of search requests (API parameters)."""
    from analyzers.segment import query_tokens

    rng = random.Random(seed + 1)

    def words(s: Sentence) -> list[str]:
        return [t for t in query_tokens(s.text) if len(t) >= 2 and CJK.fullmatch(t)]

    def word() -> str:
        while True:
            found = words(rng.choice(sentences))
            if found:
                return rng.choice(found)

    def pair() -> tuple[str, str]:
        while True:
            found = words(rng.choice(sentences))
            if len(found) >= 2:
                a, b = rng.sample(found, 2)
                return a, b

    def phrase() -> str:
        while True:
            runs = [r for r in CJK.findall(rng.choice(sentences).text) if len(r) >= 4]
            if runs:
                run = rng.choice(runs)
                size = rng.randint(3, min(6, len(run)))
                start = rng.randrange(len(run) - size + 1)
                return run[start : start + size]

    def entity() -> str:
        while True:
            s = rng.choice(sentences)
            if s.entities:
                return rng.choice(s.entities)[1]

    def year() -> int:
        return rng.randint(1940, 2000)

    kinds: list[Callable[[], dict[str, str]]] = [
        lambda: {"q": word()},
        lambda: {"q": entity()},
        lambda: {"q": " ".join(pair())},
        lambda: {"q": f'"{phrase()}"'},
        lambda: {"q": "{} OR {}".format(*pair())},
        lambda: {"q": "{} NOT {}".format(*pair())},
        lambda: {"q": f"({word()} OR {word()}) {word()}"},
        lambda: {"q": f"title:{word()}"},
        lambda: {"q": f"creator:{entity()}"},
        lambda: {"q": rng.choice(rows)["archive_code"]},
        lambda: {"q": f"code:{rng.choice(rows)['archive_code']}"},
        lambda: {"q": f"{word()} year:{(y := year())}-{y + 5}"},
        lambda: {"q": word(), "year_from": str(y := year()), "year_to": str(y + 10)},
        lambda: {"q": word(), "archive": rng.choice(ARCHIVES)},
        lambda: {"q": word(), "type": _weighted(rng, TYPES)},  # type: ignore[dict-item]
        lambda: {"q": "", "type": _weighted(rng, TYPES), "sort": "date"},  # type: ignore[dict-item]
        lambda: {"q": word(), "sort": "date_desc"},
        lambda: {"q": word(), "page": str(rng.randint(2, 5))},
        lambda: {"q": entity(), "size": "50"},
    ]
    return [kinds[i % len(kinds)]() for i in range(count)]


def text_bytes(row: dict) -> int:
    """Bytes (UTF-8) of a row's text fields: what the MB/s figures count."""
    parts = [row["title"], row["creator"], row["description"], row["text"], *row["subjects"]]
    return sum(len(p.encode("utf-8")) for p in parts)
