"""`scrapy check`, as Scrapy's, but writing no files (:mod:`newscrawl.commands.nofiles`)."""

from __future__ import annotations

from scrapy.commands.check import Command as ScrapyCheckCommand

from newscrawl.commands.nofiles import NoFilesMixin


class Command(NoFilesMixin, ScrapyCheckCommand):
    pass
