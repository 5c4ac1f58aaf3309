"""Pipelines on their own: clean, validate (+ rejects file), dedupe, with real Scrapy stats."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse

from newscrawl.extract import extract
from newscrawl.families import resolve
from newscrawl.items import Article
from newscrawl.pages.clean import clean_article
from newscrawl.parsing.dates import KST
from newscrawl.pipelines import Duplicate, Rejected
from newscrawl.pipelines.dedupe import DedupePipeline
from newscrawl.pipelines.validate import ValidatePipeline, validate_article
from tests.helpers import project_crawler

BODY = "한빛시는 5일 시청 대회의실에서 청년 정책 토론회를 열었다고 밝혔다.\n\n토론회에는 청년 100여 명이 참석했다."


def article(**kw: object) -> Article:
    fields: dict = {
        "url": "http://x.kr/news/view.php?idx=1", "article_id": "x:1", "title": "한빛시 청년 정책 토론회", "body": BODY,
        "published_at": datetime(2024, 3, 5, 9, 42, 31, tzinfo=KST),
    }
    fields.update(kw)
    return Article(**fields)


def test_clean_article_merges_dateline_and_trailer_into_bylines() -> None:
    item = article(
        title="  제목\xa0 ",
        subtitles=[" 부제 ", "", "제목"],  # the title repeated as a subtitle is dropped
        bylines=[{"name": "김하늘", "desk": "사회부", "email": None}],
        body="[뉴스21 통신=김하늘 사회부기자] 첫 문단이다.\n\n둘째 문단이다.\n\n김하늘 기자 sky@example.kr",
    )
    removed = clean_article(item)
    assert item.title == "제목"
    assert item.subtitles == ["부제"]
    assert item.body == "첫 문단이다.\n\n둘째 문단이다."
    assert item.bylines == [{"name": "김하늘", "desk": "사회부", "email": "sky@example.kr"}]
    assert item.authors == ["김하늘"]
    assert item.content_hash and len(item.content_hash) == 64
    assert set(removed) >= {"dateline", "email_trailer"}


def test_extract_counts_cleaning_rules() -> None:
    crawler = project_crawler()
    html = ("<html><head><title>제목이 있는 기사</title></head><body><h1>제목이 있는 기사</h1>"
            "<div id='article'><p>▶ 더보기</p>" + "".join(f"<p>{p}</p>" for p in BODY.split("\n\n")) + "</div></body></html>")
    page = HtmlResponse(url="https://news.example.kr/a/1", body=html.encode(), encoding="utf-8")
    extract(page, resolve(page.url), crawler.stats)
    assert crawler.stats.get_value("newscrawl/clean/promo") == 1


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"title": None}, "missing:title"),
        ({"body": ""}, "missing:body"),
        ({"published_at": None}, "missing:published_at"),
        ({"body": "짧다."}, "body_too_short"),
        ({"modified_at": datetime(2024, 3, 5, 9, 0, tzinfo=KST)}, "modified_before_published"),
        ({"published_at": datetime(2024, 3, 5, 9, 0)}, "naive_datetime:published_at"),
        ({"extractor": {"error": "ValueError: boom"}}, "extract_error"),
        ({"title": "속보"}, "title_too_short"),
        ({"title": "가" * 301}, "title_too_long"),
        ({"body": "가나다라 " * 50_001}, "body_too_long"),
        ({"published_at": datetime(2099, 1, 1, tzinfo=KST)}, "published_in_future"),
        ({"modified_at": datetime(2099, 1, 1, tzinfo=KST)}, "modified_in_future"),
        ({"body": BODY + " \ufffd\ufffd 깨진 글자"}, "replacement_char:body"),
        ({"title": "í•œë¹›ì‹œ ì²\xadë…„ ì •ì±…"}, "mojibake:title"),
        # UTF-8 bytes read as CP949: what a page that lies about its charset turns into.
        ({"body": BODY.encode("utf-8").decode("cp949", errors="ignore")}, "mojibake:body"),
        ({"content_hash": "not-a-sha256"}, "schema:content_hash"),
    ],
)
def test_validate_reasons(changes: dict, reason: str) -> None:
    assert reason in validate_article(article(**changes))


def test_future_tolerance_and_sparse_hanja_are_fine() -> None:
    now = datetime(2024, 3, 5, 12, 0, tzinfo=KST)
    soon = article(published_at=now + timedelta(minutes=30))
    assert validate_article(soon, now=now) == []
    assert validate_article(article(title="與野, 한빛시 예산안 합의"), now=now) == []


def test_offsite_url() -> None:
    item = article(url="http://elsewhere.example/news/view.php?idx=1")
    assert "offsite_url" in validate_article(item, domains=("x.kr",))
    assert "offsite_url" not in validate_article(article(url="http://www.x.kr/a"), domains=("x.kr",))


def test_valid_item_passes() -> None:
    assert validate_article(article(modified_at=datetime(2024, 3, 5, 1, 0, tzinfo=UTC),
                                    content_hash="a" * 64)) == []
    assert validate_article(article(published_at=datetime(2024, 3, 5, 0, 42, tzinfo=timezone(timedelta(0))))) == []


def test_validate_pipeline_writes_rejects_with_reason(tmp_path: Path) -> None:
    rejects = tmp_path / "out" / "rejects.jsonl"
    crawler = project_crawler(**{"NEWSCRAWL_REJECTS_URI": str(rejects), "NEWSCRAWL_MIN_BODY_CHARS": 20})
    pipe = ValidatePipeline.from_crawler(crawler)
    pipe.open_spider()
    good = article()
    assert pipe.process_item(good) is good
    with pytest.raises(Rejected) as rejected:
        pipe.process_item(article(article_id="x:2", title=None, body="짧은 본문"))
    assert rejected.value.reasons == ["missing:title", "body_too_short"]
    with pytest.raises(Rejected):
        pipe.process_item(article(article_id="x:3", body=BODY + " \ufffd"))
    pipe.close_spider()
    records = [json.loads(line) for line in rejects.read_text("utf-8").splitlines()]
    assert len(records) == 2
    assert records[1]["reject_reason"] == "replacement_char:body"
    assert crawler.stats.get_value("newscrawl/charset/suspicious") == 1
    assert records[0]["article_id"] == "x:2"
    assert records[0]["reject_reason"] == "missing:title,body_too_short"
    assert records[0]["published_at"] == "2024-03-05T09:42:31+09:00"
    assert "\\u" not in rejects.read_text("utf-8")
    stats = crawler.stats
    assert stats.get_value("newscrawl/rejects/total") == 2
    assert stats.get_value("newscrawl/rejects/missing:title") == 1
    assert stats.get_value("newscrawl/rejects/body_too_short") == 1


def test_dedupe_remembers_rejects_by_type_not_by_message() -> None:
    pipe, crawler = dedupe()
    assert pipe.store is not None
    pipe.item_dropped(article(article_id="x:7"), DropItem("rejected (looks like one, is not): x"))
    assert pipe.store.get(article_id="x:7") is None
    pipe.item_dropped(article(article_id="x:8"), Rejected(["missing:title"], "http://x.kr/8"))
    assert pipe.store.get(article_id="x:8") is not None
    assert crawler.stats.get_value("newscrawl/state/rejects_remembered") == 1


def test_duplicates_are_dropped_with_their_kind() -> None:
    pipe, _ = dedupe()
    pipe.process_item(article())
    with pytest.raises(Duplicate) as duplicate:
        pipe.process_item(article())
    assert duplicate.value.kind == "article_id"


def test_rejects_file_is_appended_by_default(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    for run in range(2):
        crawler = project_crawler(**{"NEWSCRAWL_REJECTS_URI": str(rejects)})
        pipe = ValidatePipeline.from_crawler(crawler)
        pipe.open_spider()
        with pytest.raises(DropItem):
            pipe.process_item(article(article_id=f"x:{run}", title=None))
        pipe.close_spider()
    assert len(rejects.read_text("utf-8").splitlines()) == 2


def dedupe(tmp_path: Path | None = None, **settings: object) -> tuple[DedupePipeline, object]:
    uri = f"sqlite:///{tmp_path / 'state.sqlite'}" if tmp_path else "memory://"
    crawler = project_crawler(**{"NEWSCRAWL_STATE_URI": uri, **settings})
    pipe = DedupePipeline.from_crawler(crawler)
    pipe.open_spider()
    return pipe, crawler


def test_dedupe_drops_same_id_same_url_and_same_body() -> None:
    pipe, crawler = dedupe()
    first = article(content_hash="a" * 64, canonical_url="http://x.kr/news/view.php?idx=1")
    assert pipe.process_item(first) is first
    assert first.cluster_id == "x:1" and first.duplicate_of is None
    with pytest.raises(DropItem):
        pipe.process_item(article(content_hash="b" * 64, body="전혀 다른 본문입니다. " * 10))  # same article_id
    with pytest.raises(DropItem):
        pipe.process_item(article(article_id="x:8", canonical_url="http://x.kr/news/view.php?idx=1",
                                  content_hash="d" * 64, body="또 다른 본문입니다. " * 10))  # same canonical URL
    with pytest.raises(DropItem):
        pipe.process_item(article(article_id="x:9", content_hash="a" * 64))  # same body
    other = article(article_id="x:3", content_hash="c" * 64, body="세 번째 기사의 본문은 완전히 다르다. " * 8)
    assert pipe.process_item(other) is other
    pipe.close_spider()
    stats = crawler.stats
    assert stats.get_value("newscrawl/dedupe/article_id") == 1
    assert stats.get_value("newscrawl/dedupe/canonical_url") == 1
    assert stats.get_value("newscrawl/dedupe/content_hash") == 1
    assert stats.get_value("newscrawl/dedupe/known_before_run") is None


RELEASE = ("한빛시(시장 박서준)는 올해 하반기부터 전통시장 세 곳에 공영주차장 200면을 새로 짓는다고 밝혔다. "
           "시는 국비와 시비 48억 원을 투입해 시장 입구에서 걸어서 3분 거리에 주차장을 만들 계획이다. "
           "상인회는 주말마다 되풀이되던 교통 체증이 줄어들 것이라며 환영했다. "
           "박서준 시장은 시장을 찾는 시민의 불편을 덜고 지역 상권을 살리는 계기가 되기를 기대한다고 말했다.")


def test_near_duplicates_marked_with_cluster_across_runs(tmp_path: Path) -> None:
    pipe, _ = dedupe(tmp_path)
    first = article(article_id="a:1", content_hash="1" * 64, body=RELEASE)
    pipe.process_item(first)
    pipe.close_spider()
    # Next run, another outlet: new lead sentence, same release.
    pipe, crawler = dedupe(tmp_path)
    copy = article(article_id="b:7", content_hash="2" * 64,
                   body="[누리신문=한가람 기자] 한빛시가 전통시장 주차난 해소에 나선다. " + RELEASE.split(". ", 1)[1])
    assert pipe.process_item(copy) is copy
    assert (copy.cluster_id, copy.duplicate_of) == ("a:1", "a:1")
    unrelated = article(article_id="b:8", content_hash="3" * 64,
                        body="누리군은 올해 농촌 빈집 120채를 정비해 청년 주거 공간으로 바꾼다. 군은 리모델링 비용의 절반을 "
                             "지원하고 입주자에게 2년간 임대료를 받지 않는다. 신청은 다음 달부터 읍면사무소에서 받는다.")
    pipe.process_item(unrelated)
    assert (unrelated.cluster_id, unrelated.duplicate_of) == ("b:8", None)
    # The first article again (an unchanged re-crawl): dropped as known before this run.
    with pytest.raises(DropItem):
        pipe.process_item(article(article_id="a:1", content_hash="1" * 64, body=RELEASE))
    pipe.close_spider()
    assert crawler.stats.get_value("newscrawl/dedupe/near_duplicate") == 1
    assert crawler.stats.get_value("newscrawl/dedupe/known_before_run") == 1


def test_near_duplicates_dropped_when_configured() -> None:
    pipe, crawler = dedupe(NEWSCRAWL_NEAR_DUPLICATES="drop")
    pipe.process_item(article(article_id="a:1", content_hash="1" * 64, body=RELEASE))
    with pytest.raises(DropItem):
        pipe.process_item(article(article_id="b:1", content_hash="2" * 64, body=RELEASE + " 끝."))
    assert crawler.stats.get_value("newscrawl/dedupe/near_duplicate_dropped") == 1


def test_bad_near_mode_is_a_clear_error() -> None:
    # ValueError, not NotConfigured: Scrapy would silently disable the pipeline on NotConfigured.
    with pytest.raises(ValueError, match="mark, drop, off"):
        DedupePipeline.from_crawler(project_crawler(**{"NEWSCRAWL_NEAR_DUPLICATES": "maybe"}))


def test_standalone_photo_credit_becomes_the_image_caption() -> None:
    item = article(body=BODY + "\n\n[사진=한빛시 제공]", images=[{"url": "http://x.kr/a.jpg", "caption": None},
                                                            {"url": "http://x.kr/b.jpg", "caption": "설명"}])
    clean_article(item)
    assert item.body == BODY
    assert item.images == [{"url": "http://x.kr/a.jpg", "caption": "[사진=한빛시 제공]"},
                           {"url": "http://x.kr/b.jpg", "caption": "설명"}]
    no_images = article(body=BODY + "\n\n/사진=연합뉴스")
    clean_article(no_images)
    assert no_images.body == BODY and no_images.images == []


def test_edited_article_is_exported_as_a_new_revision(tmp_path: Path) -> None:
    pipe, _ = dedupe(tmp_path)
    first = article(article_id="a:1", content_hash="1" * 64, body=RELEASE)
    pipe.process_item(first)
    assert (first.revision, first.previous_content_hash) == (1, None)
    pipe.close_spider()
    pipe, crawler = dedupe(tmp_path)
    edited = article(article_id="a:1", content_hash="2" * 64, body=RELEASE + " 시는 설명회도 연다.")
    assert pipe.process_item(edited) is edited
    assert (edited.revision, edited.previous_content_hash) == (2, "1" * 16)
    assert edited.cluster_id == "a:1" and edited.duplicate_of is None
    with pytest.raises(DropItem):  # the same revision again within the run
        pipe.process_item(article(article_id="a:1", content_hash="2" * 64, body=RELEASE + " 시는 설명회도 연다."))
    pipe.close_spider()
    assert crawler.stats.get_value("newscrawl/dedupe/revision") == 1


def test_full_mode_exports_known_unchanged_articles_again(tmp_path: Path) -> None:
    pipe, _ = dedupe(tmp_path)
    pipe.process_item(article(article_id="a:1", content_hash="1" * 64, body=RELEASE))
    pipe.close_spider()
    pipe, crawler = dedupe(tmp_path)
    crawler.spider = type("S", (), {"full": True})()
    again = article(article_id="a:1", content_hash="1" * 64, body=RELEASE)
    assert pipe.process_item(again) is again
    assert again.revision == 1
