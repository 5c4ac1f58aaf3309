"""The bare Scrapy spider of ``scripts/bench_crawl.py``: the anchor newscrawl's throughput is measured against.

It follows what ``scrapy crawl news21tongsin`` follows on a 다다미디어 outlet (the home page's section
menu, each list's article links and its ``a.next`` page, one request per article id) and yields
url+title, nothing else. Run outside the project (no scrapy.cfg in reach: Scrapy's defaults, not
newscrawl's settings), with the benchmark's settings on the command line::

    scrapy runspider scripts/bare_spider.py -a base_url=http://127.0.0.1:PORT -O bare.jsonl -s ...
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import scrapy
from scrapy.http import Response


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [base_url.rstrip("/") + "/"]
        self.seen: set[str] = set()  # article ids: a story listed in two sections is fetched once, as newscrawl does

    def parse(self, response: Response) -> Iterator[Any]:
        for href in response.css("ul.gnb a::attr(href)").getall():
            yield response.follow(href, self.parse_list)

    def parse_list(self, response: Response) -> Iterator[Any]:
        for href in response.css("dt.title a::attr(href)").getall():
            idx = parse_qs(urlsplit(href).query).get("idx", [href])[0]
            if idx not in self.seen:
                self.seen.add(idx)
                yield response.follow(href, self.parse_article)
        next_page = response.css("a.next::attr(href)").get()
        if next_page:
            yield response.follow(next_page, self.parse_list)

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        yield {"url": response.url, "title": response.css("title::text").get()}
