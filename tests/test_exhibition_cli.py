"""``lantai exhibition export SLUG DIR`` and ``lantai exhibition import DIR``: an exhibition
moves between installations as ``exhibition.toml`` plus its cover image; a folder with a
mistake is refused with the field named, and nothing is stored."""

from __future__ import annotations

import io
import json
import tomllib

import pytest
from PIL import Image

from tests.conftest import record, write_jsonl
from tests.test_cli import lantai

EXHIBITION_TOML = """\
slug = "hongse-1949"
title = "宝鸡解放档案展"
title_en = "The Liberation of Baoji in the Archives"
intro = "1949年7月，宝鸡解放。"   # Markdown
published = true
cover = "cover.png"

[[sections]]
title = "解放前夕"
text = "**支前**与接管。"

[[sections.items]]
record = "baoji-city/J001-001-0001"
page = 3
crop = [0.1, 0.2, 0.5, 0.4]
caption = "宝鸡市人民政府成立布告"
commentary = "布告落款为军管会。"

[[sections.items]]
record = "baoji-city/J001-001-0002"
caption = "支前总结"

[[sections]]
title = "新政权"
"""


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (180, 30, 20)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def installation(tmp_path):
    """A data dir holding the two records the exhibition names."""
    data = tmp_path / "data"
    rows = [
        record("J001-001-0001", "宝鸡市人民政府成立布告", archive="baoji-city"),
        record("J001-001-0002", "凤翔县支前总结", archive="baoji-city"),
    ]
    done = lantai(
        "ingest", str(write_jsonl(tmp_path / "rows.jsonl", rows)), data_dir=data, ingest_entities="false"
    )
    assert done.returncode == 0, done.stderr
    return data


def folder(tmp_path, text: str = EXHIBITION_TOML, name: str = "in"):
    path = tmp_path / name
    path.mkdir()
    (path / "exhibition.toml").write_text(text, encoding="utf-8")
    (path / "cover.png").write_bytes(png())
    return path


def test_an_exhibition_round_trips_through_export_and_import(installation, tmp_path):
    source = folder(tmp_path)
    imported = lantai("exhibition", "import", str(source), "--by", "curator1", data_dir=installation)
    assert imported.returncode == 0, imported.stderr
    assert "hongse-1949 imported (published): 2 sections, 2 items" in imported.stderr

    out = tmp_path / "out"
    exported = lantai("exhibition", "export", "hongse-1949", str(out), data_dir=installation)
    assert exported.returncode == 0, exported.stderr
    assert tomllib.loads((out / "exhibition.toml").read_text("utf-8")) == tomllib.loads(EXHIBITION_TOML)
    assert (out / "cover.png").read_bytes() == (source / "cover.png").read_bytes()

    # the exported folder imports into another installation that holds the same records
    again = lantai("exhibition", "import", str(out), "--replace", data_dir=installation)
    assert again.returncode == 0, again.stderr
    listed = json.loads(lantai("exhibition", "list", "--json", data_dir=installation).stdout)
    assert [(e["slug"], e["published"]) for e in listed] == [("hongse-1949", True)]
    audit = lantai("audit", "list", "--action-kind", "exhibition.create", data_dir=installation)
    assert "hongse-1949" in audit.stdout, audit.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("J001-001-0002", "X"), "sections[0].items[1].record: no record baoji-city/X"),
        (("page = 3", 'page = "three"'), "sections[0].items[0].page: a page number from 1"),
        (('slug = "hongse-1949"', 'slug = "红色"'), "slug: use a-z, 0-9 and -"),
        (("published = true", 'published = "yes"'), "published: must be true or false"),
        (
            ('caption = "支前总结"', 'caption = "支前总结"\nnote = 1'),
            "sections[0].items[1].note: unknown key",
        ),
        (('title = "新政权"', 'text = "无题"'), "sections[1].title: is required"),
        (('cover = "cover.png"', 'cover = "missing.png"'), "cover: no file 'missing.png' in the folder"),
        (("[0.1, 0.2, 0.5, 0.4]", "[0.8, 0.2, 0.5, 0.4]"), "sections[0].items[0].crop: x + w and y + h"),
        (('title = "宝鸡解放档案展"', 'title = "宝鸡'), "exhibition.toml:"),
    ],
)
def test_a_bad_folder_is_refused_naming_the_field_and_nothing_is_stored(
    installation, tmp_path, change, message
):
    old, new = change
    source = folder(tmp_path, EXHIBITION_TOML.replace(old, new, 1))
    refused = lantai("exhibition", "import", str(source), data_dir=installation)
    assert refused.returncode == 2
    assert message in refused.stderr
    assert json.loads(lantai("exhibition", "list", "--json", data_dir=installation).stdout) == []


def test_an_existing_slug_is_replaced_only_when_asked(installation, tmp_path):
    source = folder(tmp_path)
    assert lantai("exhibition", "import", str(source), data_dir=installation).returncode == 0
    refused = lantai("exhibition", "import", str(source), data_dir=installation)
    assert refused.returncode == 2 and "slug: an exhibition 'hongse-1949' exists already" in refused.stderr


def test_the_curator_permission_is_given_to_staff_only_and_audited(tmp_path):
    data = tmp_path / "data"
    for name, role in (("li", "staff"), ("wang", "researcher")):
        archive = ("--archive", "baoji-city") if role == "staff" else ()
        added = lantai(
            "user", "add", name, "--role", role, *archive, data_dir=data, password="long enough pw"
        )
        assert added.returncode == 0, added.stderr
    given = lantai("user", "curator", "li", data_dir=data)
    assert given.returncode == 0 and "user li: curator on" in given.stderr
    refused = lantai("user", "curator", "wang", data_dir=data)
    assert refused.returncode == 2 and "a researcher cannot curate" in refused.stderr
    listed = json.loads(lantai("user", "list", "--json", data_dir=data).stdout)
    assert {u["name"]: u["curator"] for u in listed} == {"li": True, "wang": False}
    taken = lantai("user", "uncurator", "li", data_dir=data)
    assert taken.returncode == 0 and "user li: curator off" in taken.stderr
    audit = lantai("audit", "list", "--action-kind", "user.curator", data_dir=data)
    assert audit.stdout.count("user.curator") == 2, audit.stderr
