"""Settings in one place: defaults, an optional settings file, ``LANTAI_*`` overrides."""

from config.settings import Settings, SettingsError, load_settings

__all__ = ["Settings", "SettingsError", "load_settings"]
