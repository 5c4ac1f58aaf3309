"""Crawl-level extensions: the summary line, health checks and the JSON run report."""
