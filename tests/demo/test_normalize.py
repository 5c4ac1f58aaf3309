"""The demo's own text contract (``demo/normalize.py``), and the crawler held to it.

Why both: the examples pin the contract the truth is written with; the property test
shows the crawler's normalisation meets the same contract on any text, not only on the
demo's, so a mismatch is found here rather than as a puzzling field diff in a crawl.
"""

from __future__ import annotations

import hashlib
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from demo.normalize import BIDI_CONTROLS, ZERO_WIDTH, content_hash, normalize_body, normalize_space
from newscrawl.parsing import text as crawler


def test_text_field_is_nfc_without_zero_width_and_single_spaced() -> None:
    assert normalize_space(unicodedata.normalize("NFD", "  한빛시\u200b가\xa0 \u3000새솔\t\n시 ")) == "한빛시가 새솔 시"
    assert normalize_space(None) == normalize_space("") == normalize_space(" \n\ufeff ") == ""


def test_body_is_paragraphs_joined_by_one_blank_line() -> None:
    assert normalize_body(["  첫 문단.", "", " \u200b ", "둘째\n문단."]) == "첫 문단.\n\n둘째 문단."
    assert normalize_body([]) == ""


def test_content_hash_ignores_layout() -> None:
    assert content_hash("가 나\n\n다") == content_hash("가\n나 다") == hashlib.sha256("가 나 다".encode()).hexdigest()
    assert content_hash("가 나") != content_hash("가나")


# Hangul (precomposed and as jamo), Latin, digits, every kind of space and the zero-width characters.
_PIECES = st.sampled_from(["가", "한", "똠", "\u1100\u1161", "\u1112\u1161\u11ab", "a", "Z", "1", ".", " ", "  ", "\xa0",
                           "\u3000", "\t", "\n", "\n\n", "\r\n", "\u2028", "\x08", "\x1b", "\x1c", "\x85", "\x9f", "\x7f",
                           *sorted(ZERO_WIDTH), *sorted(BIDI_CONTROLS)])
_TEXT = st.lists(_PIECES, max_size=30).map("".join) | st.text(max_size=40)


@given(_TEXT)
def test_crawler_text_fields_meet_the_contract(text: str) -> None:
    assert crawler.normalize_space(text) == normalize_space(text)
    assert crawler.content_hash(text) == content_hash(text)


@given(st.lists(_TEXT, max_size=6))
def test_crawler_bodies_meet_the_contract(paragraphs: list[str]) -> None:
    assert crawler.normalize_body(paragraphs) == normalize_body(paragraphs)
