"""``python -m config defaults|table``: print ``config/defaults.toml`` or the README's settings
table, both derived from the declarations in :mod:`config.settings` (written by :mod:`config.documents`)."""

from __future__ import annotations

import sys

from config.documents import defaults_toml, settings_table


def main(argv: list[str]) -> int:
    """Print what ``argv[0]`` names; exit 2 with a usage line otherwise."""
    if argv == ["defaults"]:
        sys.stdout.write(defaults_toml())
        return 0
    if argv == ["table"]:
        print(settings_table())
        return 0
    print("usage: python -m config defaults|table", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
