"""Search index (检索库): one backend protocol, two engines, one audience-aware service."""
