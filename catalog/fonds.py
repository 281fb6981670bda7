"""Fonds descriptions (全宗介绍): the name (全宗名称), dates (起止年代) and description of
each fonds (全宗) of an archive, imported from a CSV file and shown on the fonds page.

A description says what a fonds is; it is not record data and reveals no record. The
fonds page still shows it only where the visitor may see some record of the fonds (see
:meth:`search.service.SearchService.fonds_page`).

The file is UTF-8 CSV with a header row, English or Chinese column names:
``archive`` [馆藏单位], ``fonds`` [全宗号] (both required unless ``--archive`` gives the
archive), ``name`` [全宗名称] (required), ``years`` [起止年代], ``description`` [全宗介绍].
A fonds already described is replaced. Each import is one audit entry.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from catalog import audit
from catalog.schema import fonds_table

HEADERS = {
    "馆藏单位": "archive",
    "全宗号": "fonds",
    "全宗名称": "name",
    "起止年代": "years",
    "全宗介绍": "description",
}
COLUMNS = ("archive", "fonds", "name", "years", "description")
MAX_DESCRIPTION = 20_000


class FondsError(ValueError):
    """A fonds file that cannot be imported; says the line and the column."""


@dataclass(frozen=True)
class FondsDescription:
    """One fonds described (全宗介绍): archive, 全宗号, 全宗名称, 起止年代, 全宗介绍."""

    archive: str
    fonds: str
    name: str
    years: str = ""
    description: str = ""

    def as_json(self) -> dict[str, str]:
        """The description as JSON."""
        return asdict(self)


def read_fonds_csv(text: str, archive: str = "") -> list[FondsDescription]:
    """The descriptions in a fonds CSV file's text; ``archive`` fills an empty 馆藏单位.

    >>> [found] = read_fonds_csv("全宗号,全宗名称,全宗介绍\\nJ001,宝鸡市政府,1949年成立。\\n", "bj")
    >>> found.archive, found.fonds, found.name, found.description
    ('bj', 'J001', '宝鸡市政府', '1949年成立。')
    >>> read_fonds_csv("fonds,name\\nJ001,\\n", "a")
    Traceback (most recent call last):
    ...
    catalog.fonds.FondsError: line 2: name (全宗名称) is empty
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = {h: HEADERS.get(h.strip(), h.strip()) for h in reader.fieldnames or ()}
    if "fonds" not in headers.values() or "name" not in headers.values():
        raise FondsError("line 1: the header needs fonds (全宗号) and name (全宗名称)")
    out: dict[tuple[str, str], FondsDescription] = {}
    for line, row in enumerate(reader, start=2):
        values = {headers[k]: (v or "").strip() for k, v in row.items() if k in headers}
        values["archive"] = values.get("archive") or archive
        for column, label in (("archive", "馆藏单位"), ("fonds", "全宗号"), ("name", "全宗名称")):
            if not values.get(column):
                raise FondsError(f"line {line}: {column} ({label}) is empty")
        if len(values.get("description", "")) > MAX_DESCRIPTION:
            raise FondsError(
                f"line {line}: description (全宗介绍) is longer than {MAX_DESCRIPTION} characters"
            )
        found = FondsDescription(**{c: values.get(c, "") for c in COLUMNS})
        out[(found.archive, found.fonds)] = found
    return list(out.values())


class FondsStore:
    """The fonds descriptions (全宗介绍) kept in one catalog."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, described: list[FondsDescription], by: str, source: str = "") -> int:
        """Store descriptions (replacing those of the same archive and 全宗号) in one
        transaction with one audit entry; returns how many were stored."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        table = fonds_table
        with self.engine.begin() as conn:
            for item in described:
                conn.execute(
                    table.delete().where(table.c.archive == item.archive, table.c.fonds == item.fonds)
                )
                conn.execute(table.insert().values(**item.as_json(), updated_at=now))
            audit.append(
                conn,
                by,
                "fonds.import",
                source or "fonds descriptions",
                {"fonds": [f"{i.archive}/{i.fonds}" for i in described]},
            )
        return len(described)

    def get(self, archive: str, fonds: str) -> FondsDescription | None:
        """The description of one fonds, or None."""
        table = fonds_table
        with self.engine.connect() as conn:
            row = conn.execute(
                select(*(table.c[c] for c in COLUMNS)).where(
                    table.c.archive == archive, table.c.fonds == fonds
                )
            ).first()
        return FondsDescription(*row) if row else None

    def of_archive(self, archive: str) -> dict[str, FondsDescription]:
        """The descriptions of an archive's fonds, by 全宗号."""
        table = fonds_table
        with self.engine.connect() as conn:
            query = select(*(table.c[c] for c in COLUMNS)).where(table.c.archive == archive)
            rows = conn.execute(query).all()
        return {row.fonds: FondsDescription(*row) for row in rows}
