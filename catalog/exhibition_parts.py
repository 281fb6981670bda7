"""The sections (单元) and items (展品) of an online exhibition (网上展览): adding, changing
and deleting them one at a time, each change audited; and the low-level helpers the
exhibition store shares with them (see :mod:`catalog.exhibitions`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection, Engine

from catalog import audit
from catalog.exhibition_spec import ExhibitionError, ItemSpec, SectionSpec
from catalog.schema import exhibition_items_table, exhibition_sections_table, exhibitions_table


def now_stamp() -> str:
    """Now, UTC, to the second, as the exhibition tables keep times."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_id(result) -> int:
    """The id of the row an INSERT just made."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _crop_text(crop: tuple[float, float, float, float] | None) -> str | None:
    return None if crop is None else ",".join(f"{n:g}" for n in crop)


def item_values(spec: ItemSpec) -> dict:
    """The columns of an item's row (its crop as ``"x,y,w,h"``)."""
    return {
        "archive": spec.archive,
        "archive_code": spec.archive_code,
        "page": spec.page,
        "crop": _crop_text(spec.crop),
        "caption": spec.caption,
        "commentary": spec.commentary,
    }


class ExhibitionParts:
    """Editing an exhibition's sections and items (a mixin of the exhibition store)."""

    engine: Engine

    # -- sections and items -------------------------------------------------------------

    def add_section(self, slug: str, section: SectionSpec, by: str) -> int:
        """Add a section at the end (with its items, if any); audited. Returns its id."""
        with self.engine.begin() as conn:
            exhibition_id = self._id(conn, slug)
            table = exhibition_sections_table
            last = conn.execute(
                select(func.max(table.c.position)).where(table.c.exhibition_id == exhibition_id)
            ).scalar()
            section_id = self._insert_section(conn, exhibition_id, (last or 0) + 1, section)
            for index, item in enumerate(section.items):
                conn.execute(
                    exhibition_items_table.insert().values(
                        section_id=section_id, position=index, **item_values(item)
                    )
                )
            self._touch(conn, exhibition_id)
            audit.append(conn, by, "exhibition.edit", slug, {"what": "section.add", "section": section_id})
        return section_id

    def update_section(
        self, slug: str, section_id: int, by: str, title: str, title_en: str, text: str
    ) -> None:
        """Change a section's titles and text; audited."""
        with self.engine.begin() as conn:
            exhibition_id = self._section_of(conn, slug, section_id)
            table = exhibition_sections_table
            conn.execute(
                table.update()
                .where(table.c.id == section_id)
                .values(title=title, title_en=title_en, text=text)
            )
            self._touch(conn, exhibition_id)
            audit.append(conn, by, "exhibition.edit", slug, {"what": "section.edit", "section": section_id})

    def delete_section(self, slug: str, section_id: int, by: str) -> None:
        """Delete a section and its items; audited."""
        with self.engine.begin() as conn:
            exhibition_id = self._section_of(conn, slug, section_id)
            conn.execute(
                delete(exhibition_items_table).where(exhibition_items_table.c.section_id == section_id)
            )
            conn.execute(
                delete(exhibition_sections_table).where(exhibition_sections_table.c.id == section_id)
            )
            self._touch(conn, exhibition_id)
            audit.append(conn, by, "exhibition.edit", slug, {"what": "section.delete", "section": section_id})

    def add_item(self, slug: str, section_id: int, item: ItemSpec, by: str) -> int:
        """Add an item at the end of a section; audited. Returns its id."""
        with self.engine.begin() as conn:
            exhibition_id = self._section_of(conn, slug, section_id)
            table = exhibition_items_table
            last = conn.execute(
                select(func.max(table.c.position)).where(table.c.section_id == section_id)
            ).scalar()
            added = conn.execute(
                table.insert().values(section_id=section_id, position=(last or 0) + 1, **item_values(item))
            )
            item_id = new_id(added)
            self._touch(conn, exhibition_id)
            audit.append(conn, by, "exhibition.edit", slug, {"what": "item.add", "record": item.record})
        return item_id

    def update_item(self, slug: str, item_id: int, item: ItemSpec, by: str) -> None:
        """Change an item (its record, page, crop, caption, commentary); audited."""
        with self.engine.begin() as conn:
            exhibition_id = self._item_of(conn, slug, item_id)
            table = exhibition_items_table
            conn.execute(table.update().where(table.c.id == item_id).values(**item_values(item)))
            self._touch(conn, exhibition_id)
            audit.append(conn, by, "exhibition.edit", slug, {"what": "item.edit", "record": item.record})

    def delete_item(self, slug: str, item_id: int, by: str) -> None:
        """Delete an item; audited."""
        with self.engine.begin() as conn:
            exhibition_id = self._item_of(conn, slug, item_id)
            conn.execute(delete(exhibition_items_table).where(exhibition_items_table.c.id == item_id))
            self._touch(conn, exhibition_id)
            audit.append(conn, by, "exhibition.edit", slug, {"what": "item.delete", "item": item_id})

    @staticmethod
    def _insert_section(conn: Connection, exhibition_id: int, position: int, section: SectionSpec) -> int:
        added = conn.execute(
            exhibition_sections_table.insert().values(
                exhibition_id=exhibition_id,
                position=position,
                title=section.title,
                title_en=section.title_en,
                text=section.text,
            )
        )
        return new_id(added)

    @staticmethod
    def _id(conn: Connection, slug: str) -> int:
        row = conn.execute(select(exhibitions_table.c.id).where(exhibitions_table.c.slug == slug)).first()
        if row is None:
            raise ExhibitionError(f"slug: no exhibition {slug!r}")
        return int(row.id)

    def _section_of(self, conn: Connection, slug: str, section_id: int) -> int:
        exhibition_id = self._id(conn, slug)
        table = exhibition_sections_table
        found = conn.execute(
            select(table.c.id).where(table.c.id == section_id, table.c.exhibition_id == exhibition_id)
        ).first()
        if found is None:
            raise ExhibitionError(f"section: no section {section_id} in {slug!r}")
        return exhibition_id

    def _item_of(self, conn: Connection, slug: str, item_id: int) -> int:
        exhibition_id = self._id(conn, slug)
        items, sections = exhibition_items_table, exhibition_sections_table
        found = conn.execute(
            select(items.c.id)
            .join(sections, sections.c.id == items.c.section_id)
            .where(items.c.id == item_id, sections.c.exhibition_id == exhibition_id)
        ).first()
        if found is None:
            raise ExhibitionError(f"item: no item {item_id} in {slug!r}")
        return exhibition_id

    @staticmethod
    def _touch(conn: Connection, exhibition_id: int) -> None:
        table = exhibitions_table
        conn.execute(table.update().where(table.c.id == exhibition_id).values(updated_at=now_stamp()))
