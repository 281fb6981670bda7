"""Catalog store (目录库): the only source of truth for records, pages and decisions."""
