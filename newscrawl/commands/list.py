"""`scrapy list`, as Scrapy's, but writing no files (:mod:`newscrawl.commands.nofiles`)."""

from __future__ import annotations

from scrapy.commands.list import Command as ScrapyListCommand

from newscrawl.commands.nofiles import NoFilesMixin


class Command(NoFilesMixin, ScrapyListCommand):
    pass
