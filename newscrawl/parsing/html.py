"""Turn an article body element into paragraphs and images.

Editors (Froala, CKEditor, hand-written HTML) mark paragraphs with block elements,
``<br><br>`` runs, or both. This walks the lxml tree once, breaking paragraphs at
block elements and at ``<br>``, skipping scripts, styles and ad containers, and
lifting images with their captions out of the text so a caption never ends up in
the body.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urljoin

from lxml import html as lxml_html

from newscrawl.parsing.text import normalize_space

BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "blockquote", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5",
     "h6", "table", "tr", "td", "th", "figure", "figcaption", "pre", "hr", "header", "footer", "aside", "center"}
)
SKIP_TAGS = frozenset({"script", "style", "noscript", "iframe", "form", "button", "select", "textarea", "template",
                       "svg", "object", "embed", "video", "audio"})
#: Elements whose class marks an image caption (Froala, NDSoft, generic figure).
CAPTION_CLASSES = ("fr-inner", "caption", "photo-caption", "img-caption", "imgcaption")
#: NDSoft: figure.photo-layout (2020 skin), div.IMGFLOATING around an image table (older editor).
IMAGE_WRAPPER_CLASSES = ("fr-img-caption", "photo-layout", "img-wrap", "photo", "IMGFLOATING")


def _classes(el: lxml_html.HtmlElement) -> set[str]:
    return set((el.get("class") or "").split())


class BodyParts:
    """Paragraph texts and images found under one body element."""

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self._buf: list[str] = []

    def text(self, s: str | None) -> None:
        if s:
            self._buf.append(s)

    def breakpara(self) -> None:
        if self._buf:
            para = normalize_space("".join(self._buf))
            if para:
                self.paragraphs.append(para)
            self._buf = []


def _image_from(el: lxml_html.HtmlElement, base_url: str) -> dict[str, str | None] | None:
    img = el if el.tag == "img" else next(iter(el.iter("img")), None)
    if img is None:
        return None
    src = img.get("data-src") or img.get("data-original") or img.get("src")
    if not src or src.startswith("data:"):
        return None
    caption_parts: list[str] = []
    for c in el.iter():
        if c is img or not isinstance(c.tag, str):
            continue
        if c.tag == "figcaption" or _classes(c) & set(CAPTION_CLASSES) or any(
                "caption" in cls for cls in _classes(c)):
            # The innermost caption wins; Froala nests span.fr-inner inside span.fr-img-wrap.
            t = normalize_space(c.text_content())
            if t:
                caption_parts = [t]
    caption = caption_parts[0] if caption_parts else (normalize_space(img.get("alt")) or None)
    return {"url": urljoin(base_url, src), "caption": caption}


_IMAGE_CLASS_HINTS = ("img", "image", "photo", "figure", "picture")


def _is_image_block(el: lxml_html.HtmlElement) -> bool:
    """A figure, or a wrapper whose class names an image ('editor-img-box', 'photo-layout') around an <img>."""
    if el.tag == "figure":
        return True
    cls = _classes(el)
    if not (cls & set(IMAGE_WRAPPER_CLASSES) or any(h in c for c in cls for h in _IMAGE_CLASS_HINTS)):
        return False
    if next(iter(el.iter("img")), None) is None:
        return False
    # A container of real text that merely holds an image is not an image block.
    return len(el.text_content()) < 400 and not any(
        child.tag == "p" and len(child.text_content()) > 200 for child in el.iter("p"))


def _walk(el: lxml_html.HtmlElement, parts: BodyParts, base_url: str, skip_classes: frozenset[str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if not tag:  # comment or processing instruction: only its tail is text
        parts.text(el.tail)
        return
    if tag in SKIP_TAGS or (_classes(el) & skip_classes):
        parts.text(el.tail)
        return
    if _is_image_block(el) or tag == "img":
        image = _image_from(el, base_url)
        if image:
            parts.images.append(image)
        if tag != "img":
            parts.breakpara()
        parts.text(el.tail)
        return
    if tag == "br":
        parts.breakpara()
        parts.text(el.tail)
        return
    block = tag in BLOCK_TAGS
    if block:
        parts.breakpara()
    parts.text(el.text)
    for child in el:
        _walk(child, parts, base_url, skip_classes)
    if block:
        parts.breakpara()
    parts.text(el.tail)


def body_parts(
    element: lxml_html.HtmlElement, base_url: str, skip_classes: Iterable[str] = ()
) -> BodyParts:
    """Paragraphs and images under ``element`` (its own tail is ignored)."""
    parts = BodyParts()
    skip = frozenset(skip_classes)
    parts.text(element.text)
    for child in element:
        _walk(child, parts, base_url, skip)
    parts.breakpara()
    return parts
