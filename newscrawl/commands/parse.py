"""`scrapy parse`, as Scrapy's, but writing no files (:mod:`newscrawl.commands.nofiles`)."""

from __future__ import annotations

from scrapy.commands.parse import Command as ScrapyParseCommand

from newscrawl.commands.nofiles import NoFilesMixin


class Command(NoFilesMixin, ScrapyParseCommand):
    pass
