"""`scrapy shell`, as Scrapy's, but writing no files (:mod:`newscrawl.commands.nofiles`)."""

from __future__ import annotations

from scrapy.commands.shell import Command as ScrapyShellCommand

from newscrawl.commands.nofiles import NoFilesMixin


class Command(NoFilesMixin, ScrapyShellCommand):
    pass
