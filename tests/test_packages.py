"""The Debian packages the tests need come from one script, and the CJK font the tests draw
with is the one that script makes sure of, found through fontconfig (never a fixed path)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.fonts import cjk_font

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "ensure-packages"


def ensure(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def fontconfig_over(folder: Path, fonts: list[Path]) -> dict[str, str]:
    """An environment in which fontconfig knows only ``fonts``, copied under other names."""
    (folder / "fonts").mkdir(parents=True)
    for n, font in enumerate(fonts):
        shutil.copy(font, folder / "fonts" / f"font-{n}{font.suffix}")
    conf = folder / "fonts.conf"
    conf.write_text(
        f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{folder / "fonts"}</dir><cachedir>{folder / "cache"}</cachedir></fontconfig>
""",
        encoding="utf-8",
    )
    return {"FONTCONFIG_FILE": str(conf), "LANTAI_CJK_FONT": ""}


def latin_font() -> Path:
    found = subprocess.run(
        ["fc-match", "--format", "%{file}", "sans:lang=en"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return Path(found)


def test_the_tests_draw_with_the_font_the_script_names():
    named = ensure("--cjk-font")
    assert named.returncode == 0, named.stderr
    assert Path(named.stdout.strip()) == cjk_font()
    formats = subprocess.run(
        ["fc-query", "--format", "%{fontformat}\n", str(cjk_font())],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "TrueType" in formats


def test_the_font_embeds_in_a_pdf_and_draws_a_scan(tmp_path):
    from pypdf import PdfReader

    from tests.fixtures.ingest import make

    pdf = make.text_pdf(tmp_path / "page.pdf", ["宝鸡市档案馆藏红色档案"])
    assert "宝鸡市档案馆藏红色档案" in PdfReader(pdf).pages[0].extract_text().replace(" ", "")
    image = make.page_image(["档案"])
    assert image.getextrema()[0] == 0  # black strokes on the white page: glyphs were drawn


def test_the_font_is_found_through_fontconfig_wherever_it_lies(tmp_path):
    env = fontconfig_over(tmp_path, [latin_font(), cjk_font()])
    named = ensure("--cjk-font", env=env)
    assert named.returncode == 0, named.stderr
    assert Path(named.stdout.strip()).parent == tmp_path / "fonts"
    assert named.stdout.strip().startswith(str(tmp_path / "fonts" / "font-1"))


def test_without_a_cjk_font_the_script_names_the_package_to_install(tmp_path):
    env = fontconfig_over(tmp_path, [latin_font()])
    named = ensure("--cjk-font", env=env)
    assert named.returncode == 1
    assert named.stdout == ""
    assert "fonts-wqy-microhei" in named.stderr and "LANTAI_CJK_FONT" in named.stderr


def test_a_font_named_by_setting_wins_and_a_missing_one_is_an_error(tmp_path):
    assert ensure("--cjk-font", env={"LANTAI_CJK_FONT": str(cjk_font())}).stdout.strip() == str(cjk_font())
    missing = ensure("--cjk-font", env={"LANTAI_CJK_FONT": str(tmp_path / "none.ttf")})
    assert missing.returncode == 1
    assert str(tmp_path / "none.ttf") in missing.stderr


@pytest.mark.parametrize(
    ("group", "packages"),
    [
        ("ocr", {"tesseract-ocr", "tesseract-ocr-chi-sim", "tesseract-ocr-chi-tra", "poppler-utils"}),
        ("browser", {"chromium"}),
        ("fonts", {"fontconfig", "fonts-wqy-microhei"}),
        ("postgres", {"postgresql"}),
    ],
)
def test_one_list_of_packages_by_group(group, packages):
    assert set(ensure("--list", group).stdout.split()) == packages
    assert packages <= set(ensure("--list").stdout.split())


def test_make_test_runs_the_script_and_an_unknown_group_is_refused():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "scripts/ensure-packages test" in makefile
    refused = ensure("nonsense")
    assert refused.returncode == 2 and "nonsense" in refused.stderr
