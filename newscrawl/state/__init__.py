"""Incremental state: the seen-article store, the near-duplicate index and the crawl lock."""
