"""ArticlePage: one response in, one ``Article`` out.

A page is a pure function of the response and the outlet's ``Outlet``: no
crawler, no settings, no I/O, so it is tested on saved HTML files. Each field is
tried along one chain, cheapest and most specific first:

1. family selectors (``family_*`` methods overridden by a CMS family),
2. JSON-LD (``NewsArticle`` and friends, ``@graph``, lists),
3. OpenGraph / ``article:*`` / other meta tags,
4. labels visible in the page (``입력 2023.12.05 09:42``, ``홍길동 기자``),
5. main-text extraction (trafilatura) for the body.

One broken selector degrades a field, never the crawl; ``extractor`` records which
step produced each field.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from lxml import html as lxml_html
from parsel import Selector
from scrapy.http import TextResponse

from newscrawl.catalog import Outlet
from newscrawl.items import Article
from newscrawl.parsing import appstate, jsonld
from newscrawl.parsing.bylines import Byline, merge_bylines, parse_byline, split_person_names
from newscrawl.parsing.dates import find_dates, parse_datetime
from newscrawl.parsing.html import body_parts
from newscrawl.parsing.maintext import main_text
from newscrawl.parsing.text import normalize_space
from newscrawl.parsing.urls import article_id, canonical_url, host_of, query_param

PUBLISHED_META = ("article:published_time", "og:article:published_time", "article:published", "published_time",
                  "pubdate", "publishdate", "publish-date", "date", "dc.date.issued", "dc.date", "dcterms.created",
                  "sailthru.date", "parsely-pub-date", "datePublished", "og:published_time", "article.published",
                  "cXenseParse:recs:publishtime", "nv:date")
MODIFIED_META = ("article:modified_time", "og:updated_time", "og:article:modified_time", "dateModified",
                 "last-modified", "dcterms.modified", "article.updated")
AUTHOR_META = ("article:author", "author", "dable:author", "byl", "parsely-author", "sailthru.author",
               "dc.creator", "citation_author", "og:article:author")
#: Last " - Site" / " | Site" / "ㅣSite" part of a title.
_TITLE_TAIL = re.compile(r"(?P<sep>\s+[|\-–—:·»/]\s+|\s*[|｜ㅣ]\s*|\s*::\s*|：)(?P<tail>[^|｜ㅣ]{1,60})$")
_TITLE_HEAD = re.compile(r"^(?P<head>[^|｜ㅣ]{1,40}?)(?:\s+[|\-–—:»]\s+|\s*[|｜ㅣ]\s*)")
_SECTION_TAIL = re.compile(r"-[가-힣A-Za-z]{1,6}$")
_TITLE_SEP_START = re.compile(r"^\s*(?:[|\-–—:·»ㅣ｜/：]|::)\s*")
#: An <h1> that is the site's logo or name, not the headline.
_LOGO_XPATH = (
    "ancestor-or-self::*[contains(@class,'logo') or contains(@id,'logo') or contains(@id,'site-title')"
    " or contains(@class,'site-title') or contains(@class,'site-name') or contains(@class,'brand')]"
    " | ancestor-or-self::a[@href='/' or @href='./'] | .//a[@href='/' or @href='./']"
)
_HIDDEN_TAGS = frozenset({"script", "style", "a", "footer", "aside", "nav", "noscript", "template"})
_CHROME_WORDS = ("footer", "copyright", "company")
_DIGIT = re.compile(r"\d")
_ROLE_WORD = re.compile(r"(기자|특파원|논설위원|칼럼니스트|편집위원)(\s|$|[,·])")
_BYLINE_XPATH = ("//*[contains(@class,'byline') or contains(@class,'author') or contains(@class,'writer')"
                 " or contains(@class,'reporter')][not(ancestor::footer)][not(ancestor::aside)]")
#: Two to four capitalised words (optionally with a title like Dr.): a person, not a desk.
_PERSON_NAME = re.compile(r"^(?:(?:Dr|Prof|Mag)\.\s+)?[A-ZÀ-Þ][\w'’.-]+(?:\s+[A-ZÀ-Þ][\w'’.-]+){1,3}$")
#: Outlet-like words (a title part ending in one is a site name).
_OUTLET_TAIL = re.compile(r"(뉴스|일보|신문|방송|통신|미디어|타임스|경제|닷컴|\.com|\.de|\.co\.kr|\.kr|online|news)$")
_HANGUL = re.compile(r"[가-힣]")


class NotAnArticle(Exception):
    """The response is not an article page (deleted article, error page, list page)."""


class ArticlePage:
    family = "meta"
    #: Query parameter holding the article key; None when the key is not in the query.
    article_key_param: str | None = None

    def __init__(self, response: TextResponse, site: Outlet) -> None:
        self.response = response
        self.site = site
        self.sel: Selector = response.selector
        self.provenance: dict[str, str] = {}

    # -- helpers ------------------------------------------------------------------
    def meta(self, *names: str) -> str | None:
        """First non-empty <meta property|name|itemprop=...> content among ``names`` (case-insensitive)."""
        found = self._meta_index
        for name in names:
            value = found.get(name.lower())
            if value:
                return value
        return None

    @cached_property
    def _meta_index(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for node in self.sel.xpath("//meta[@content]"):
            key = node.attrib.get("property") or node.attrib.get("name") or node.attrib.get("itemprop")
            value = normalize_space(node.attrib.get("content"))
            if key and value:
                index.setdefault(key.lower(), value)
        for node in self.sel.xpath("//*[@itemprop='datePublished' or @itemprop='dateModified'][@datetime]"):
            index.setdefault(node.attrib["itemprop"].lower(), node.attrib["datetime"])
        return index

    def text(self, css: str) -> str | None:
        node = self.sel.css(css)
        if not node:
            return None
        return normalize_space(" ".join(node[0].css("::text").getall())) or None

    def _pick(self, field: str, *candidates: tuple[str, Any]) -> Any:
        """First truthy candidate value; its source name goes into provenance.

        A candidate may be a zero-argument callable, called only when the earlier ones
        failed, so cheap family selectors never pay for the generic fallbacks.
        """
        for source, value in candidates:
            if callable(value):
                value = value()
            if value:
                self.provenance[field] = source
                return value
        return None

    @cached_property
    def ld(self) -> dict[str, Any]:
        """The page's JSON-LD article object ({} when none)."""
        return jsonld.article_object(self.sel.xpath('//script[@type="application/ld+json"]/text()').getall())

    @cached_property
    def app_state(self) -> str:
        """Embedded app data (Next.js flight stream or __NEXT_DATA__); '' for ordinary pages."""
        scripts = self.sel.xpath("//script[not(@src)]/text()").getall()
        stream = appstate.flight_stream(scripts)
        if stream:
            return stream
        return self.sel.xpath("//script[@id='__NEXT_DATA__']/text()").get() or ""

    @cached_property
    def is_korean(self) -> bool:
        lang = (self.sel.xpath("/html/@lang").get() or self.site.language or "").lower()
        return lang.startswith("ko") or bool(_HANGUL.search(self.meta("og:title") or ""))

    # -- family hooks (override in subclasses) ------------------------------------------
    def is_article(self) -> bool:
        return bool(self.meta("og:title") or self.ld or self.sel.css("title::text").get())

    def key(self) -> str | None:
        if self.article_key_param:
            return query_param(self.response.url, self.article_key_param)
        return None

    def family_title(self) -> str | None:
        return None

    def family_section(self) -> str | None:
        return None

    def family_subtitles(self) -> list[str]:
        return []

    def family_bylines(self) -> list[Byline]:
        return []

    def family_dates(self) -> tuple[tuple[str, datetime] | None, tuple[str, datetime] | None]:
        """((published_raw, published), (modified_raw, modified)); either may be None."""
        return None, None

    def family_body_element(self) -> Any:
        """The lxml element holding the article body, or None."""
        return None

    def body_skip_classes(self) -> tuple[str, ...]:
        return ()

    # -- generic candidates --------------------------------------------------------------
    def site_names(self) -> set[str]:
        """Names the outlet goes by: catalog name, og:site_name, JSON-LD publisher, host labels."""
        publisher = self.ld.get("publisher")
        names = {self.site.name, self.meta("og:site_name", "application-name", "twitter:site"),
                 jsonld.text_value(publisher.get("name")) if isinstance(publisher, dict) else None}
        host = host_of(self.response.url)
        labels = host.split(".")
        names |= {host, labels[0] if labels else None, ".".join(labels[:-1]) if len(labels) > 1 else None}
        return {normalize_space(n).casefold().lstrip("@") for n in names if n}

    def _is_site_part(self, part: str, names: set[str]) -> bool:
        folded = normalize_space(part).casefold()
        if not folded:
            return True
        squashed = folded.replace(" ", "")
        for name in names:
            if len(name) < 2:
                continue
            if folded == name or squashed == name.replace(" ", ""):
                return True
            # "머니투데이 뉴스", "Golem.de", "Mirror Online": the name plus a short generic tail.
            if (name in folded or name.replace(" ", "") in squashed) and len(folded) <= len(name) + 8:
                return True
        return bool(_OUTLET_TAIL.search(folded)) and len(folded) <= 12 and " " not in folded.strip()

    def strip_site_name(self, title: str | None) -> str | None:
        """'Headline | Site', 'Headline - Site', 'Headline-섹션ㅣ사이트' -> 'Headline'."""
        if not title:
            return None
        title = normalize_space(title)
        names = self.site_names()
        for _ in range(3):  # "Headline - Section | Site": peel up to three trailing parts
            match = _TITLE_TAIL.search(title)
            if not match or not self._is_site_part(match.group("tail"), names) or match.start() < len(title) // 3:
                break
            title = title[: match.start()].rstrip()
            # A short section name glued before the site part ("…커졌다-정치ㅣ한국일보").
            section = _SECTION_TAIL.search(title)
            if section and match.group("sep").strip() in {"ㅣ", "|", "｜"}:
                title = title[: section.start()].rstrip()
        head = _TITLE_HEAD.match(title)
        if head and self._is_site_part(head.group("head"), names):
            title = title[head.end():]
        return title or None

    def h1(self) -> str | None:
        """The first substantial <h1> that is not the site logo."""
        names = self.site_names()
        for node in self.sel.css("h1"):
            if node.xpath(_LOGO_XPATH):
                continue
            text = normalize_space(node.xpath("normalize-space(string())").get())
            if len(text) >= 5 and not self._is_site_part(text, names):
                return text
        return None

    def title(self) -> str | None:
        family = self.family_title()
        if family:
            self.provenance["title"] = self.family
            return family
        candidates = [
            ("jsonld", normalize_space(jsonld.text_value(self.ld.get("headline"))) or None),
            ("meta:og", self.strip_site_name(self.meta("og:title", "twitter:title"))),
            ("html:h1", self.h1()),
            ("html:title", self.strip_site_name(self.sel.css("title::text").get())),
        ]
        source, title = next(((s, t) for s, t in candidates if t), ("", None))
        og, h1 = candidates[1][1], candidates[2][1]
        if og and og == h1:
            # The headline readers see, confirmed by og:title, beats an SEO headline in JSON-LD.
            source, title = "html:h1", h1
        if title is None:
            return None
        # "Headline - Site" in one source, "Headline" in another: the shorter is the headline.
        for other_source, other in candidates:
            if other and other != title and title.startswith(other) and _TITLE_SEP_START.match(title[len(other):]) \
                    and len(title) - len(other) < 0.6 * len(title):
                source, title = other_source, other
        self.provenance["title"] = source
        return title

    def visible_dates(self) -> tuple[tuple[str, datetime] | None, tuple[str, datetime] | None]:
        """Labelled dates (입력/등록/수정 ...) shown in the page, outside scripts and lists of other articles."""
        published = modified = None
        excluded: dict[Any, bool] = {}

        def hidden(element: Any) -> bool:
            """Inside a script, link, other-article list item or page chrome (memoised per element)."""
            if element is None:
                return False
            known = excluded.get(element)
            if known is None:
                tag = element.tag if isinstance(element.tag, str) else ""
                cls = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
                known = (tag in _HIDDEN_TAGS or any(word in cls for word in _CHROME_WORDS)
                         or (tag == "li" and element.find(".//a") is not None and "info" not in cls)
                         or hidden(element.getparent()))
                excluded[element] = known
            return known

        texts = [t for t in self.sel.root.xpath("//body//text()")
                 if ((len(t) < 200 and _DIGIT.search(t)) or len(t) < 20) and not hidden(t.getparent())]
        blob = normalize_space(" ".join(texts))
        for found in find_dates(blob):
            raw = f"{found.label} {found.raw}" if found.label else found.raw
            if found.kind == "published" and published is None:
                published = (raw, found.value)
            elif found.kind == "modified" and modified is None:
                modified = (raw, found.value)
            if published and modified:
                break
        return published, modified

    # -- fields ---------------------------------------------------------------------
    def canonical(self) -> str:
        if self.article_key_param and self.key() is not None:
            return canonical_url(self.response.url, keep=(self.article_key_param,), base_url=self.site.base_url)
        link = self.sel.css('link[rel="canonical"]::attr(href)').get()
        return canonical_url(self.response.urljoin(link) if link else self.response.url)

    @property
    def in_catalog(self) -> bool:
        """Outlets resolved from a URL alone are named after their host until the page says better."""
        return self.site.name != self.site.slug

    def site_name(self) -> str:
        if self.in_catalog:
            return self.site.name
        publisher = self.ld.get("publisher")
        return self._pick("site_name", ("meta:og", lambda: self.meta("og:site_name")),
                          ("jsonld", lambda: jsonld.text_value(publisher.get("name"))
                           if isinstance(publisher, dict) else None)) or self.site.name

    def language(self) -> str | None:
        if self.in_catalog:
            return self.site.language
        lang = normalize_space(self.sel.xpath("/html/@lang").get() or self.meta("og:locale", "content-language"))
        return lang.replace("_", "-").split("-")[0].lower() if lang else None

    def section(self) -> str | None:
        return self._pick("section", (self.family, self.family_section),
                          ("meta", lambda: self.meta("article:section")),
                          ("jsonld", lambda: jsonld.text_value(self.ld.get("articleSection"))))

    def _dated(self, raw: str | None) -> tuple[str, datetime] | None:
        value = parse_datetime(raw) if raw else None
        return (raw, value) if raw and value else None

    @cached_property
    def _visible(self) -> tuple[tuple[str, datetime] | None, tuple[str, datetime] | None]:
        return self.visible_dates()

    @cached_property
    def _app_dates(self) -> tuple[tuple[str, datetime] | None, tuple[str, datetime] | None]:
        published, modified = appstate.embedded_dates(self.app_state) if self.app_state else (None, None)
        return self._dated(published), self._dated(modified)

    def dates(self) -> tuple[tuple[str, datetime] | None, tuple[str, datetime] | None]:
        fam_pub, fam_mod = self.family_dates()
        pub: list[tuple[str, Any]] = [
            ("jsonld", lambda: self._dated(jsonld.text_value(self.ld.get("datePublished"))
                                           or jsonld.text_value(self.ld.get("dateCreated")))),
            ("meta", lambda: self._dated(self.meta(*PUBLISHED_META))),
        ]
        mod: list[tuple[str, Any]] = [
            ("jsonld", lambda: self._dated(jsonld.text_value(self.ld.get("dateModified")))),
            ("meta", lambda: self._dated(self.meta(*MODIFIED_META))),
        ]
        if self.is_korean:
            # Korean pages show the time readers see next to the headline; metadata is often the
            # CMS's internal time. Visible labels first (see ../shared/corpus/README.md).
            pub.insert(0, ("visible", lambda: self._visible[0]))
            mod.insert(0, ("visible", lambda: self._visible[1]))
        else:
            pub.append(("visible", lambda: self._visible[0]))
        pub.append(("appstate", lambda: self._app_dates[0]))
        mod.append(("appstate", lambda: self._app_dates[1]))
        published = self._pick("published_at", (self.family, fam_pub), *pub)
        modified = self._pick("modified_at", (self.family, fam_mod), *mod) if (fam_pub is None or fam_mod) \
            else None
        return published, modified

    @cached_property
    def ld_index(self) -> dict[str, dict[str, Any]]:
        return jsonld.index_by_id(jsonld.objects(self.sel.xpath('//script[@type="application/ld+json"]/text()').getall()))

    def _names_to_bylines(self, names: list[str]) -> list[Byline]:
        out: list[Byline] = []
        for name in names:
            if _HANGUL.search(name):
                out.extend(parse_byline(name))
            else:
                out.extend(Byline(name=n) for n in split_person_names(name))
        return out

    def visible_author_names(self) -> list[str]:
        """Names in author markup: rel=author links, itemprop=author, schema.org Person microdata."""
        names: list[str] = []
        for xpath in ("//*[@itemprop='author']//*[@itemprop='name']", "//a[@rel='author']",
                      "//*[@itemprop='author'][not(.//*[@itemprop='name'])]"):
            for node in self.sel.xpath(xpath):
                text = normalize_space(node.attrib.get("content") or node.xpath("normalize-space(string())").get())
                if text and len(text) <= 60 and not text.startswith("(") and text not in names:
                    names.append(text)
            if names:
                break
        if names:
            return names
        # A byline box: class "byline"/"author", short text, "By Jemima Kelly" / "홍길동 기자".
        for node in self.sel.xpath(_BYLINE_XPATH)[:12]:
            text = normalize_space(node.xpath("normalize-space(string())").get())
            if not text or len(text) > 60:
                continue
            if _HANGUL.search(text):
                found = [b.name for b in parse_byline(text)] if _ROLE_WORD.search(text) else []
            else:
                found = [n for n in split_person_names(text) if _PERSON_NAME.match(n)]
            if found:
                return found
        return []

    def headline_bylines(self) -> list[Byline]:
        """Korean reporter lines ('홍길동 기자') in the block around the headline, in order.

        Multi-reporter articles list every reporter there, while metadata often names only
        the first. Only short texts with a role word count, so sidebars do not leak in.
        """
        names = self.site_names()
        for node in self.sel.css("h1, h2, h3"):
            if node.xpath(_LOGO_XPATH):
                continue
            text = normalize_space(node.xpath("normalize-space(string())").get())
            if len(text) < 5 or self._is_site_part(text, names):
                continue
            found: list[Byline] = []
            for container in node.xpath("ancestor::*[position() <= 3]")[::-1][-1:]:
                for leaf in container.xpath(".//*[self::li or self::span or self::em or self::strong or self::p"
                                            " or self::div or self::dd][not(*[self::li or self::div or self::p])]"):
                    line = normalize_space(leaf.xpath("normalize-space(string())").get())
                    if line and len(line) <= 40 and _ROLE_WORD.search(line):
                        found.extend(parse_byline(line))
            return merge_bylines(found)
        return []

    def bylines(self) -> list[Byline]:
        found = self.family_bylines()
        if found:
            self.provenance["authors"] = self.family
            return found
        candidates: list[tuple[str, Any]] = [
            ("jsonld", lambda: jsonld.person_names(self.ld.get("author"), self.ld_index)),
            ("meta", lambda: [v for k in AUTHOR_META if (v := self._meta_index.get(k.lower()))
                              and not v.startswith(("http://", "https://"))][:1]),
            ("visible", self.visible_author_names),
        ]
        if not self.is_korean:
            # Wire and desk bylines: Korean datasets leave them out, international ones keep them.
            candidates.append(("jsonld:organization",
                               lambda: jsonld.person_names(self.ld.get("author"), self.ld_index, organizations=True)))
        names = self.site_names()
        fallback: tuple[str, list[Byline]] | None = None
        for source, get in candidates:
            found = self._names_to_bylines(get())
            people = [b for b in found if not self._is_site_part(b.name, names)]
            if people:
                if self.is_korean:
                    listed = self.headline_bylines()
                    if len(listed) > len(people) and {b.name for b in people} <= {b.name for b in listed}:
                        self.provenance["authors"] = "visible"
                        return listed
                self.provenance["authors"] = source
                return people
            if found and fallback is None:
                fallback = (source, found)  # the outlet itself as author: only if no person is named anywhere
        if fallback and not self.is_korean:
            self.provenance["authors"] = fallback[0]
            return fallback[1]
        return []

    def body(self) -> tuple[list[str], list[dict[str, str | None]]]:
        element = self.family_body_element()
        if element is not None:
            parts = body_parts(element, self.response.url, self.body_skip_classes())
            if parts.paragraphs:
                self.provenance["body"] = self.family
                if parts.images:
                    self.provenance["images"] = self.family
                return parts.paragraphs, parts.images
        # Passing articleBody ("" = none) spares main_text a second JSON-LD parse.
        paragraphs = main_text(self.sel.root, self.response.url,
                               article_body=jsonld.text_value(self.ld.get("articleBody")) or "")
        if paragraphs:
            self.provenance["body"] = "maintext"
            return paragraphs, []
        article_body = jsonld.text_value(self.ld.get("articleBody"))
        if article_body:
            self.provenance["body"] = "jsonld"
            return [p for p in re.split(r"\n\s*\n|\r\n", article_body) if p.strip()], []
        for chunk in appstate.html_chunks(self.app_state)[:1]:
            parts = body_parts(lxml_html.fragment_fromstring(chunk, create_parent="div"), self.response.url)
            if parts.paragraphs:
                self.provenance["body"] = "appstate"
                return parts.paragraphs, parts.images
        return [], []

    def to_item(self) -> Article:
        """The article as extracted, before cleaning (``newscrawl.pages.clean``)."""
        if not self.is_article():
            raise NotAnArticle(self.response.url)
        published, modified = self.dates()
        paragraphs, images = self.body()
        bylines = self.bylines()
        subtitles = self.family_subtitles()
        if subtitles:
            self.provenance["subtitles"] = self.family
        key = self.key()
        return Article(
            url=self.response.url,
            canonical_url=self.canonical(),
            article_id=article_id(self.site.slug, key) if key else None,
            site=self.site.slug,
            site_name=self.site_name(),
            section=self.section(),
            title=self.title(),
            subtitles=subtitles,
            authors=[b.name for b in bylines],
            bylines=[b.as_dict() for b in bylines],
            published_at=published[1] if published else None,
            published_at_raw=published[0] if published else None,
            modified_at=modified[1] if modified else None,
            modified_at_raw=modified[0] if modified else None,
            body="\n\n".join(paragraphs) or None,
            images=images,
            language=self.language(),
            crawled_at=datetime.now(UTC).replace(microsecond=0),
            extractor=dict(self.provenance),
        )
