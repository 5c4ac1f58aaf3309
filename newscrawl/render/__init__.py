"""Rendering JavaScript pages through scrapy-playwright, only where a page needs it.

:mod:`newscrawl.render.actions` (a leaf: attrs only) holds the render modes and the declarative
page actions the catalog and the families write as data; :mod:`newscrawl.render.setup` turns them
into request meta and crawl settings. Nothing here imports Playwright at module level: a crawl
that renders nothing never loads it.
"""
