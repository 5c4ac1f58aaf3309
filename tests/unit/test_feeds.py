"""Feeds as real outlets serve them: not well-formed XML, yet no entry may be lost or fetched
at a wrong URL, and nothing in the feed may make the parser read files or expand entities."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from scrapy.http import Response, TextResponse, XmlResponse

from newscrawl.pages.feeds import FeedPage, LinkEntry, NotAFeed
from newscrawl.parsing.dates import KST

URL = "https://www.x.kr/rss/allArticle.xml"


def links(body: str | bytes, response_class: type[Response] = XmlResponse, **kwargs: object) -> list[str | None]:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return [entry.url for entry in FeedPage(response_class(url=URL, body=raw, **kwargs)).entries()]


def rss(items: str, prolog: str = '<?xml version="1.0" encoding="UTF-8"?>') -> str:
    return f"{prolog}<rss version=\"2.0\"><channel><title>X</title>{items}</channel></rss>"


def test_raw_ampersand_in_a_link_is_kept() -> None:
    body = rss("<item><title>A & B</title>"
               "<link>https://www.x.kr/news/articleView.html?idxno=21045&sc_section_code=S1N1</link></item>"
               "<item><link>https://www.x.kr/news/articleView.html?idxno=21046&amp;sc_section_code=S1N1</link></item>"
               "<item><link>https://www.x.kr/news/articleView.html?idxno=21047&#38;sc_section_code=S1N1</link></item>")
    assert links(body) == [f"https://www.x.kr/news/articleView.html?idxno={n}&sc_section_code=S1N1"
                           for n in (21045, 21046, 21047)]


def test_cdata_links_and_titles() -> None:
    body = rss("<item><title><![CDATA[<b>속보</b> & 단독]]></title>"
               "<link><![CDATA[https://www.x.kr/news/articleView.html?idxno=1&sc=S1]]></link></item>"
               "<item><link><![CDATA[ https://www.x.kr/news/articleView.html?idxno=2&amp;sc=S1 ]]></link></item>")
    page = FeedPage(XmlResponse(url=URL, body=body.encode()))
    assert [entry.url for entry in page.entries()] == [
        "https://www.x.kr/news/articleView.html?idxno=1&sc=S1", "https://www.x.kr/news/articleView.html?idxno=2&sc=S1"]
    assert page.sel.xpath("//item/title/text()").get() == "<b>속보</b> & 단독"


def test_html_entities_are_characters() -> None:
    body = rss("<item><title>속보&nbsp;&middot;&#8203;단독 &copy;</title><link>https://www.x.kr/1</link>"
               "<pubDate>Tue, 05 Dec 2023 09:42:31 +0900</pubDate></item>"
               "<item><title>&ldquo;인용&rdquo;</title><link>https://www.x.kr/2</link></item>")
    page = FeedPage(XmlResponse(url=URL, body=body.encode()))
    assert page.entries() == [LinkEntry("https://www.x.kr/1", datetime(2023, 12, 5, 9, 42, 31, tzinfo=KST)),
                              LinkEntry("https://www.x.kr/2", None)]
    assert page.sel.xpath("//item/title/text()").getall() == ["속보\xa0·\u200b단독 ©", "\u201c인용\u201d"]


def test_truncated_feed_keeps_the_complete_entries() -> None:
    body = rss("".join(f"<item><title>{n}</title><link>https://www.x.kr/news/articleView.html?idxno={n}</link></item>"
                       for n in (1, 2, 3)))
    cut = body[:body.index("idxno=3") + len("idxno")]  # mid-link of the third entry
    assert links(cut) == ["https://www.x.kr/news/articleView.html?idxno=1",
                          "https://www.x.kr/news/articleView.html?idxno=2"]
    cut_between = body[:body.index("<item><title>3")]
    assert links(cut_between) == ["https://www.x.kr/news/articleView.html?idxno=1",
                                  "https://www.x.kr/news/articleView.html?idxno=2"]


@pytest.mark.parametrize("declared_in", ["xml", "header", "both"])
def test_euc_kr_feed(declared_in: str) -> None:
    prolog = '<?xml version="1.0" encoding="euc-kr"?>' if declared_in in ("xml", "both") else '<?xml version="1.0"?>'
    headers = {"Content-Type": "application/rss+xml; charset=EUC-KR"} if declared_in in ("header", "both") else {}
    body = rss("<item><title>경남 속보 & 단독</title><link>https://www.x.kr/news/articleView.html?idxno=7&sc=S1</link>"
               "</item>", prolog).encode("euc-kr")
    page = FeedPage(Response(url=URL, body=body, headers=headers))
    assert page.entries() == [LinkEntry("https://www.x.kr/news/articleView.html?idxno=7&sc=S1", None)]
    assert page.sel.xpath("//item/title/text()").get() == "경남 속보 & 단독"


def test_utf8_bom() -> None:
    body = b"\xef\xbb\xbf" + rss("<item><title>속보</title><link>https://www.x.kr/1?a=1&b=2</link></item>").encode()
    assert links(body, TextResponse) == ["https://www.x.kr/1?a=1&b=2"]


def test_external_entity_is_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    body = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">'
            '<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            '<rss><channel><item><title>&xxe;&lol2;</title><link>https://www.x.kr/&xxe;</link></item></channel></rss>')
    page = FeedPage(XmlResponse(url=URL, body=body.encode()))
    text = "".join(page.sel.xpath("//text()").getall())
    assert "TOPSECRET" not in text
    assert "lollol" not in text
    (entry,) = page.entries()
    assert entry.url is not None and entry.url.startswith("https://www.x.kr/&xxe") and "TOPSECRET" not in entry.url


def test_atom_alternate_link_among_others() -> None:
    atom = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
    <title>X &amp; Y</title><link rel="self" href="https://www.x.kr/atom"/>
    <entry><title>A &nbsp; B</title><id>tag:x.kr,2023:1</id>
      <link rel="edit" href="https://www.x.kr/edit/1"/><link rel="enclosure" href="https://www.x.kr/1.jpg"/>
      <link rel="alternate" type="text/html" href="https://www.x.kr/news/articleView.html?idxno=1&sc=S1"/>
      <published>2023-12-05T09:00:00+09:00</published></entry>
    <entry><link href="/news/articleView.html?idxno=2&amp;sc=S1"/></entry></feed>"""
    assert FeedPage(XmlResponse(url=URL, body=atom.encode())).entries() == [
        LinkEntry("https://www.x.kr/news/articleView.html?idxno=1&sc=S1", datetime(2023, 12, 5, 9, tzinfo=KST)),
        LinkEntry("https://www.x.kr/news/articleView.html?idxno=2&sc=S1", None),
    ]


def test_rss_1_0_and_0_91() -> None:
    rdf = """<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="https://www.x.kr/"><items><rdf:Seq>
    <rdf:li rdf:resource="https://www.x.kr/1"/></rdf:Seq></items></channel>
    <item rdf:about="https://www.x.kr/1"><link>https://www.x.kr/1?a=1&b=2</link><dc:date>2023-12-05</dc:date></item>
    </rdf:RDF>"""
    assert FeedPage(XmlResponse(url=URL, body=rdf.encode())).entries() == [
        LinkEntry("https://www.x.kr/1?a=1&b=2", datetime(2023, 12, 5, tzinfo=KST))]
    old = '<rss version="0.91"><channel><item><link>https://www.x.kr/2?a=1&b=2</link></item></channel></rss>'
    assert links(old) == ["https://www.x.kr/2?a=1&b=2"]


@pytest.mark.parametrize("body", [b"<html><head><title>404 & gone</title></head><body>&nbsp;</body></html>",
                                  b"\x00\xff garbage & more", b"", b"<?xml version='1.0'?>",
                                  b"<!DOCTYPE html><html><body><p>rss</p>"])
def test_html_and_garbage_are_not_feeds(body: bytes) -> None:
    with pytest.raises(NotAFeed):
        FeedPage(XmlResponse(url=URL, body=body))
