"""Settings: defaults, a settings file, LANTAI_* overrides, and clear errors."""

from pathlib import Path

import pytest

from config import SettingsError, load_settings

REPO = Path(__file__).resolve().parent.parent


def test_defaults_use_the_embedded_backend():
    settings = load_settings(env={})
    assert settings.backend == "sqlite"
    assert settings.open_after_years == 25
    assert settings.catalog_url.startswith("sqlite:///")


def test_environment_overrides_defaults(tmp_path):
    settings = load_settings(
        env={
            "LANTAI_DATA_DIR": str(tmp_path),
            "LANTAI_BACKEND": "opensearch",
            "LANTAI_OPEN_AFTER_YEARS": "30",
            "LANTAI_OPEN_AFTER_YEARS_BY_CATEGORY": '{"经济": 20}',
        }
    )
    assert settings.data_dir == tmp_path
    assert settings.backend == "opensearch"
    assert settings.open_after_years == 30
    assert settings.open_after_years_by_category == {"经济": 20}


def test_archives_are_named_in_settings(tmp_path):
    assert load_settings(env={}).archive_names["baoji-city"]["zh"] == "宝鸡市档案馆"
    path = tmp_path / "lantai.toml"
    path.write_text('[archive_names]\nlongxian = { zh = "陇县档案馆", place = "陇县" }\n', encoding="utf-8")
    named = load_settings(env={"LANTAI_SETTINGS": str(path)}).archive_names
    assert named == {"longxian": {"zh": "陇县档案馆", "en": "", "place": "陇县"}}
    from_env = load_settings(env={"LANTAI_ARCHIVE_NAMES": '{"qishan": {"zh": "岐山县档案馆"}}'})
    assert from_env.archive_names["qishan"]["zh"] == "岐山县档案馆"


def test_settings_file_then_environment(tmp_path):
    path = tmp_path / "lantai.toml"
    path.write_text('page_size = 20\nindex = "county"\n', encoding="utf-8")
    settings = load_settings(env={"LANTAI_SETTINGS": str(path), "LANTAI_PAGE_SIZE": "30"})
    assert settings.index == "county"
    assert settings.page_size == 30


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"LANTAI_BACKEND": "elasticsearch"}, "'backend'"),
        ({"LANTAI_OPEN_AFTER_YEARS": "soon"}, "'open_after_years'"),
        ({"LANTAI_OPEN_AFTER_YEARS": "-1"}, "'open_after_years'"),
        ({"LANTAI_OPENSEARCH_URL": "localhost:9200"}, "'opensearch_url'"),
        ({"LANTAI_INDEX": "Has Spaces"}, "'index'"),
        ({"LANTAI_DATABASE_URL": "catalog.db"}, "'database_url'"),
        ({"LANTAI_PORT": "70000"}, "'port'"),
        ({"LANTAI_ARCHIVE_NAMES": '{"x-county": {"en": "X County Archives"}}'}, "'archive_names'"),
        ({"LANTAI_ARCHIVE_NAMES": '{"x-county": {"zh": "某县档案馆", "motto": "?"}}'}, "'archive_names'"),
        ({"LANTAI_BAKCEND": "sqlite"}, "LANTAI_BAKCEND"),
    ],
)
def test_a_bad_value_names_the_key(env, named):
    with pytest.raises(SettingsError, match=named):
        load_settings(env=env)


def test_a_broken_settings_file_is_named(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("page_size = = 3", encoding="utf-8")
    with pytest.raises(SettingsError, match="broken.toml"):
        load_settings(env={"LANTAI_SETTINGS": str(path)})


def test_the_cli_stops_with_the_message(monkeypatch, capsys):
    from app.cli import main

    monkeypatch.setenv("LANTAI_BACKEND", "solr")
    assert main(["reindex"]) == 2
    assert "setting 'backend': 'solr' is not allowed" in capsys.readouterr().err


def test_defaults_toml_is_written_from_the_declarations():
    from config.documents import defaults_toml

    shipped = (REPO / "config" / "defaults.toml").read_text(encoding="utf-8")
    assert shipped == defaults_toml(), "run: python -m config defaults > config/defaults.toml"


def test_defaults_toml_as_a_settings_file_changes_nothing():
    path = str(REPO / "config" / "defaults.toml")
    assert load_settings(env={"LANTAI_SETTINGS": path}) == load_settings(env={})


def test_the_readme_lists_every_setting_with_its_default():
    from config.documents import settings_table
    from config.settings import declarations

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- settings table: written by `python -m config table` -->\n")[1]
    table = table.split("\n<!-- end of settings table -->")[0]
    assert table == settings_table(), "run: python -m config table, and paste it into the README"
    for declared in declarations():
        assert f"| `{declared.name}` | `{declared.env}` |" in table


def test_every_declared_setting_has_help_and_an_environment_override():
    from config.settings import declarations

    for declared in declarations():
        assert declared.help.strip(), declared.name
    assert load_settings(env={"LANTAI_SNIPPET_LENGTH": "80"}).snippet_length == 80
    assert load_settings(env={"LANTAI_SECURE_COOKIES": "on"}).secure_cookies is True


def test_the_backend_registry_serves_exactly_the_backends_the_settings_allow():
    from config.settings import BACKENDS
    from search.backends import BACKENDS as OPENERS

    assert set(OPENERS) == set(BACKENDS)
