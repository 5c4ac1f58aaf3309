from __future__ import annotations

import pytest

from newscrawl.parsing.urls import article_id, canonical_url, host_of, query_param


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://WWW.news21tongsin.co.kr/news/view.php?mcode=m48qmuj&idx=278440#top",
         "https://www.news21tongsin.co.kr/news/view.php?idx=278440"),
        ("https://news21tongsin.co.kr/news/view.php?idx=278440&utm_source=x",
         "https://www.news21tongsin.co.kr/news/view.php?idx=278440"),
        ("https://www.news21tongsin.co.kr:443/news/view.php?idx=278440&page=2",
         "https://www.news21tongsin.co.kr/news/view.php?idx=278440"),
    ],
)
def test_canonical_keeps_only_the_key_on_the_outlet_host(url: str, expected: str) -> None:
    assert canonical_url(url, keep=("idx",), base_url="https://www.news21tongsin.co.kr") == expected


def test_canonical_without_key_drops_tracking_only() -> None:
    url = "HTTPS://Example.COM:443/a/b?utm_source=x&id=5&fbclid=y&mcode=m1&b=2#frag"
    assert canonical_url(url) == "https://example.com/a/b?b=2&id=5"


def test_canonical_is_idempotent() -> None:
    once = canonical_url("http://x.kr/news/view.php?idx=1&mcode=m2", keep=("idx",))
    assert canonical_url(once, keep=("idx",)) == once


def test_article_id_and_helpers() -> None:
    assert article_id("news21tongsin", 278440) == "news21tongsin:278440"
    assert query_param("http://x/?idx=5&mcode=a", "idx") == "5"
    assert query_param("http://x/?idx=5", "idxno") is None
    assert host_of("https://www.news21tongsin.co.kr:8080/x") == "news21tongsin.co.kr"
