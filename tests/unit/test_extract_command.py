"""`scrapy extract` as a user runs it: one page to stdout, a manifest to JSON Lines."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import page_file

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", "extract", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_single_page_prints_one_item() -> None:
    url = "http://www.news21tongsin.co.kr/news/view.php?idx=1042"
    proc = run("--url", url, str(page_file("dada/article")))
    assert proc.returncode == 0, proc.stderr
    item = json.loads(proc.stdout)
    assert item["article_id"] == "news21tongsin:1042"
    assert item["extractor"]["title"] == "dada"  # family chosen from the URL (catalog outlet)
    assert not item["body"].startswith("[뉴스21 통신")  # cleaned


def test_manifest_writes_items_and_skips_broken_pages(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for name, case in (("dada_article.html", "dada/article"), ("generic_jsonld.html", "generic/jsonld"),
                       ("generic_korean.html", "generic/korean"), ("dada_deleted.html", "dada/deleted")):
        shutil.copy(page_file(case), pages / name)
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(
        "pages/dada_article.html\thttp://www.news21tongsin.co.kr/news/view.php?idx=1042&mcode=m101sc2a\n"
        "pages/generic_jsonld.html\thttps://news.hanbit-daily.example/city/river-park-plan\n"
        "pages/missing.html\thttps://x.example/missing\n"
        "pages/dada_deleted.html\thttp://www.news21tongsin.co.kr/news/view.php?idx=1013\n"
        "pages/generic_korean.html\thttps://www.saesol.example/news/12345\n", "utf-8")
    out = tmp_path / "out.jsonl"
    proc = run("--manifest", str(manifest), "-o", str(out))
    assert proc.returncode == 1  # some pages were skipped
    assert "skipped" in proc.stderr and "missing.html" in proc.stderr and "dada_deleted.html" in proc.stderr
    assert "extracted 3 of 5 pages, 2 skipped" in proc.stderr
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [i["url"].split("/")[2] for i in items] == ["www.news21tongsin.co.kr", "news.hanbit-daily.example",
                                                      "www.saesol.example"]
    assert all(i["title"] and i["body"] and i["published_at"] for i in items)


def test_usage_errors_are_clear(tmp_path: Path) -> None:
    proc = run(str(page_file("dada/article")))
    assert proc.returncode != 0 and "--url" in proc.stderr
    bad = tmp_path / "bad.tsv"
    bad.write_text("only-a-path\n", "utf-8")
    proc = run("--manifest", str(bad))
    assert proc.returncode != 0 and "expected 'path<TAB>url'" in proc.stderr
    for url in ("http://x.kr:99999/news/view.php?idx=1", "http://[::1/a", "ftp://x.kr/a"):
        proc = run("--url", url, str(page_file("dada/article")))
        assert proc.returncode == 2 and "is not an http(s) URL" in proc.stderr and "Traceback" not in proc.stderr


def test_manifest_reads_only_regular_files_under_its_folder_within_the_size_limit(tmp_path: Path) -> None:
    import os

    batch = tmp_path / "batch"
    (batch / "pages").mkdir(parents=True)
    shutil.copy(page_file("dada/article"), batch / "pages" / "ok.html")
    outside = tmp_path / "secret.html"
    shutil.copy(page_file("dada/article"), outside)
    (batch / "pages" / "link.html").symlink_to(outside)  # a symlink pointing out of the folder
    os.mkfifo(batch / "pages" / "fifo.html")  # reading it would block forever
    (batch / "pages" / "big.html").write_bytes(b"<html>" + b" " * 8192 + b"</html>")
    url = "http://www.news21tongsin.co.kr/news/view.php?idx=1042"
    manifest = batch / "manifest.tsv"
    manifest.write_text("".join(f"{name}\t{url}\n" for name in (
        "pages/ok.html", "../secret.html", str(outside), "pages/link.html", "pages/fifo.html", "pages",
        "/dev/zero", "pages/big.html")), "utf-8")
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([sys.executable, "-m", "scrapy", "extract", "--manifest", str(manifest), "-o", str(out),
                           "-s", "DOWNLOAD_MAXSIZE=8000"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()

    def why(name: str) -> str:
        return next(line for line in lines if line.startswith("skipped") and name in line)
    assert "outside the manifest's folder" in why("secret.html")
    assert "absolute path" in why(str(outside))
    assert "outside the manifest's folder" in why("link.html")
    assert "not a regular file (a FIFO)" in why("fifo.html")
    assert "not a regular file (a directory)" in why("batch/pages:")
    assert "absolute path" in why("/dev/zero")
    assert "over DOWNLOAD_MAXSIZE (8000)" in why("big.html")
    assert "extracted 1 of 8 pages, 7 skipped" in proc.stderr
    assert len(out.read_text("utf-8").splitlines()) == 1
