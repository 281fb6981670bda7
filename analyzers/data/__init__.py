"""Data files of the analyzers (词典数据): archival terms and administrative divisions."""
