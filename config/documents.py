"""Documents derived from the setting declarations: ``config/defaults.toml`` and the
README's settings table (``python -m config defaults|table``; tests keep both in step)."""

from __future__ import annotations

import json
from typing import Any

from config.settings import declarations


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {_toml_value(v)}" for k, v in value.items())
            + "}"
        )
    return json.dumps(str(value), ensure_ascii=False)


def defaults_toml() -> str:
    """``config/defaults.toml``: every setting with its help and default, as a settings file
    (``LANTAI_SETTINGS``) would give it."""
    lines = [
        "# Lantai settings and their defaults, written by `python -m config defaults` from",
        "# config/settings.py (where each setting is declared). Copy what you change into a",
        "# settings file (LANTAI_SETTINGS=/path/to/settings.toml) or set LANTAI_<KEY>.",
        "",
    ]
    tables = []
    for d in declarations():
        if isinstance(d.default, dict) and d.default and all(isinstance(v, dict) for v in d.default.values()):
            tables.append(d)
            continue
        lines += [f"# {d.help}", f"{d.name} = {_toml_value(d.default)}", ""]
    for d in tables:
        lines += [f"# {d.help}", f"[{d.name}]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in d.default.items()]
        lines.append("")
    return "\n".join(lines)


def settings_table() -> str:
    """The README's settings table (Markdown): setting, environment variable, default, help."""
    rows = ["| setting | environment | default | what it sets |", "| --- | --- | --- | --- |"]
    for d in declarations():
        default = (
            "(see `config/defaults.toml`)"
            if isinstance(d.default, dict) and d.default
            else f"`{_toml_value(d.default)}`"
        )
        rows.append(f"| `{d.name}` | `{d.env}` | {default} | {d.help.replace('|', '/')} |")
    return "\n".join(rows)
