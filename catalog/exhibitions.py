"""Online exhibitions (网上展览, 微展览) kept in the catalog: an exhibition, its sections
(单元) and items (展品), its cover image, and whether it is published.

An item names its record by archive and 档号 only: whether the public may see it is
decided each time a page is shown (:func:`catalog.policy.view_of`), so a record closed
later drops out at once. Creating, importing, publishing, unpublishing and deleting are
audited (审计日志), and so is each edit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection, Engine

from catalog import audit
from catalog.exhibition_parts import ExhibitionParts, item_values, new_id, now_stamp
from catalog.exhibition_spec import ExhibitionError, ExhibitionSpec, ItemSpec, SectionSpec, check_crop
from catalog.schema import exhibition_items_table, exhibition_sections_table, exhibitions_table

EXHIBITION_COLUMNS = (
    "id",
    "slug",
    "title",
    "title_en",
    "intro",
    "published",
    "published_at",
    "created_by",
    "created_at",
    "updated_at",
    "cover_name",
)


@dataclass(frozen=True)
class Item:
    """An item as stored: its id, its section, and what :class:`ItemSpec` says."""

    id: int
    section_id: int
    spec: ItemSpec


@dataclass(frozen=True)
class Section:
    """A section as stored, with its items in order."""

    id: int
    title: str
    title_en: str
    text: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Exhibition:
    """An exhibition as stored, with its sections in order."""

    id: int
    slug: str
    title: str
    title_en: str
    intro: str
    published: bool
    published_at: str | None
    created_by: str
    created_at: str
    updated_at: str
    cover_name: str | None
    sections: tuple[Section, ...] = ()

    def spec(self) -> ExhibitionSpec:
        """What this exhibition says, as its ``exhibition.toml`` would."""
        return ExhibitionSpec(
            slug=self.slug,
            title=self.title,
            title_en=self.title_en,
            intro=self.intro,
            published=self.published,
            cover=self.cover_name,
            sections=tuple(
                SectionSpec(s.title, s.text, s.title_en, tuple(i.spec for i in s.items))
                for s in self.sections
            ),
        )


@dataclass(frozen=True)
class Cover:
    """An exhibition's cover image (封面): its file name, media type and bytes."""

    name: str
    media_type: str
    data: bytes


class ExhibitionStore(ExhibitionParts):
    """The exhibitions of one catalog."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- reading ------------------------------------------------------------------------

    def get(self, slug: str) -> Exhibition | None:
        """An exhibition with its sections and items, published or not; None if unknown."""
        with self.engine.connect() as conn:
            return self._load(conn, slug)

    def listing(self, published_only: bool = True) -> list[Exhibition]:
        """Exhibitions (without their sections), newest first: by publication time when
        published only, else by last change."""
        table = exhibitions_table
        query = select(*(table.c[c] for c in EXHIBITION_COLUMNS))
        if published_only:
            query = query.where(table.c.published.is_(True)).order_by(
                table.c.published_at.desc(), table.c.id.desc()
            )
        else:
            query = query.order_by(table.c.updated_at.desc(), table.c.id.desc())
        with self.engine.connect() as conn:
            return [Exhibition(*row) for row in conn.execute(query)]

    def cover(self, slug: str) -> Cover | None:
        """The cover image of an exhibition, or None."""
        table = exhibitions_table
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table.c.cover_name, table.c.cover_type, table.c.cover_data).where(table.c.slug == slug)
            ).first()
        if row is None or row.cover_data is None:
            return None
        return Cover(row.cover_name or "cover", row.cover_type or "application/octet-stream", row.cover_data)

    def _load(self, conn: Connection, slug: str) -> Exhibition | None:
        table = exhibitions_table
        row = conn.execute(
            select(*(table.c[c] for c in EXHIBITION_COLUMNS)).where(table.c.slug == slug)
        ).first()
        if row is None:
            return None
        sections_t, items_t = exhibition_sections_table, exhibition_items_table
        sections = conn.execute(
            select(sections_t).where(sections_t.c.exhibition_id == row.id).order_by(sections_t.c.position)
        ).all()
        items = conn.execute(
            select(items_t)
            .where(items_t.c.section_id.in_([s.id for s in sections] or [-1]))
            .order_by(items_t.c.position, items_t.c.id)
        ).all()
        by_section: dict[int, list[Item]] = {}
        for item in items:
            spec = ItemSpec(
                record=f"{item.archive}/{item.archive_code}",
                page=item.page,
                crop=check_crop(item.crop) if item.crop else None,
                caption=item.caption,
                commentary=item.commentary,
            )
            by_section.setdefault(item.section_id, []).append(Item(item.id, item.section_id, spec))
        return Exhibition(
            **row._mapping,
            sections=tuple(
                Section(s.id, s.title, s.title_en, s.text, tuple(by_section.get(s.id, []))) for s in sections
            ),
        )

    # -- whole exhibitions --------------------------------------------------------------

    def create(
        self, spec: ExhibitionSpec, by: str, cover: Cover | None = None, replace: bool = False
    ) -> Exhibition:
        """Store a new exhibition (an import replaces one of the same slug when
        ``replace``), sections and items included, in one transaction; audited."""
        now = now_stamp()
        table = exhibitions_table
        with self.engine.begin() as conn:
            old = conn.execute(select(table.c.id).where(table.c.slug == spec.slug)).first()
            if old is not None:
                if not replace:
                    raise ExhibitionError(f"slug: an exhibition {spec.slug!r} exists already")
                self._delete(conn, old.id)
            created = conn.execute(
                table.insert().values(
                    slug=spec.slug,
                    title=spec.title,
                    title_en=spec.title_en,
                    intro=spec.intro,
                    published=spec.published,
                    published_at=now if spec.published else None,
                    cover_name=cover.name if cover else None,
                    cover_type=cover.media_type if cover else None,
                    cover_data=cover.data if cover else None,
                    created_by=by,
                    created_at=now,
                    updated_at=now,
                )
            )
            exhibition_id = new_id(created)
            for position, section in enumerate(spec.sections):
                section_id = self._insert_section(conn, exhibition_id, position, section)
                for index, item in enumerate(section.items):
                    conn.execute(
                        exhibition_items_table.insert().values(
                            section_id=section_id, position=index, **item_values(item)
                        )
                    )
            detail = {"sections": len(spec.sections), "items": len(spec.record_ids())}
            audit.append(conn, by, "exhibition.replace" if old else "exhibition.create", spec.slug, detail)
            if spec.published:
                audit.append(conn, by, "exhibition.publish", spec.slug)
        return self.get(spec.slug)  # type: ignore[return-value]

    def update(self, slug: str, by: str, title: str, title_en: str, intro: str) -> None:
        """Change an exhibition's titles and introduction; audited."""
        with self.engine.begin() as conn:
            exhibition_id = self._id(conn, slug)
            conn.execute(
                exhibitions_table.update()
                .where(exhibitions_table.c.id == exhibition_id)
                .values(title=title, title_en=title_en, intro=intro, updated_at=now_stamp())
            )
            audit.append(conn, by, "exhibition.edit", slug, {"what": "exhibition"})

    def set_cover(self, slug: str, cover: Cover | None, by: str) -> None:
        """Set (or with None remove) the cover image; audited."""
        values: dict[str, str | bytes | None] = {"cover_name": None, "cover_type": None, "cover_data": None}
        if cover is not None:
            values = {"cover_name": cover.name, "cover_type": cover.media_type, "cover_data": cover.data}
        with self.engine.begin() as conn:
            exhibition_id = self._id(conn, slug)
            table = exhibitions_table
            conn.execute(
                table.update().where(table.c.id == exhibition_id).values(**values, updated_at=now_stamp())
            )
            audit.append(conn, by, "exhibition.edit", slug, {"what": "cover", "set": cover is not None})

    def publish(self, slug: str, published: bool, by: str) -> None:
        """Publish (发布) or unpublish (撤回) an exhibition; audited either way."""
        with self.engine.begin() as conn:
            exhibition_id = self._id(conn, slug)
            table = exhibitions_table
            now = now_stamp()
            values = {"published": published, "updated_at": now}
            if published:
                values["published_at"] = now
            conn.execute(table.update().where(table.c.id == exhibition_id).values(**values))
            audit.append(conn, by, "exhibition.publish" if published else "exhibition.unpublish", slug)

    def delete(self, slug: str, by: str) -> None:
        """Delete an exhibition, its sections and items; audited."""
        with self.engine.begin() as conn:
            self._delete(conn, self._id(conn, slug))
            audit.append(conn, by, "exhibition.delete", slug)

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _delete(conn: Connection, exhibition_id: int) -> None:
        sections = exhibition_sections_table
        ids = list(
            conn.execute(select(sections.c.id).where(sections.c.exhibition_id == exhibition_id)).scalars()
        )
        if ids:
            conn.execute(delete(exhibition_items_table).where(exhibition_items_table.c.section_id.in_(ids)))
        conn.execute(delete(sections).where(sections.c.exhibition_id == exhibition_id))
        conn.execute(delete(exhibitions_table).where(exhibitions_table.c.id == exhibition_id))
