#!/usr/bin/env python3
"""Precision and recall of the near-duplicate index on a labelled synthetic set.

    python scripts/bench_near_duplicates.py [--pairs 2000] [--seed 7] [--threshold 0.4] [--sweep]

Every text is generated here from the invented vocabulary of ``demo/texts.py``
(no real article is quoted):

* a *release* is a municipal press release: a lead, 6-12 sentences in 4-8 paragraphs,
  drawn from the topic's and the generic stock sentences plus new sentences spliced
  from two of them, numbers and day filled per release;
* **positive** pair = a release and an outlet's edited copy: another lead sentence,
  a dateline or reporter line added or changed, the last paragraph cut, 1-5 words
  replaced, whitespace and punctuation changed (2 to 5 of these edits at once);
* **hard negative** = two different releases of the same city on the same topic and
  day (same mayor, office, stock phrases, often the same lead template);
* **random negative** = two releases of different topics or cities.

All texts go into one :class:`~newscrawl.state.near.NearIndex` (in memory); a pair
is predicted a duplicate when querying its second text returns the first with an
estimated similarity >= threshold. That scores the whole path: signature, anchors,
probes and the similarity estimate. ``--sweep`` also prints the exact-Jaccard ranges
and the scores at other thresholds. The unit test ``tests/unit/test_near.py`` runs
:func:`evaluate` on a smaller sample.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo import texts  # noqa: E402
from demo.content import fill  # noqa: E402
from newscrawl.state.near import (  # noqa: E402
    DEFAULT_THRESHOLD,
    SHINGLE,
    NearIndex,
    normalize,
    signature,
)

#: Fictional outlets for datelines and reporter lines.
OUTLETS = ("뉴스21 통신", "한빛일보", "새솔타임즈", "가람신문", "다온저널", "푸름뉴스")
#: Word swaps an editor makes without changing the story.
SWAPS: tuple[tuple[str, str], ...] = (
    ("밝혔다", "전했다"), ("계획이다", "방침이다"), ("예정이다", "계획이다"), ("주민", "시민"),
    ("추진한다", "진행한다"), ("확대", "강화"), ("설치", "마련"), ("지원", "지원사업"), ("운영", "운용"),
    ("대상", "대상자"), ("올해", "금년"), ("다음 달", "내달"), ("지난해", "작년"), ("가구", "세대"),
    ("말했다", "강조했다"), ("기대했다", "내다봤다"), ("사업", "프로젝트"), ("확인", "점검"),
)


def _ctx(rng: Random, topic: str, city: tuple[str, str, str], day: int) -> dict[str, Any]:
    name, head, mayor = city
    return {
        "city": name, "stem": name[:-1], "gov": name[-1], "head": head, "mayor": mayor,
        "dept": texts.TOPICS[topic]["dept"], "day": day, "next_year": 2025 + rng.randint(0, 2),
        "budget": f"{rng.randint(3, 95) * rng.choice((1, 10))}억 원",
        "budget_big": f"{rng.randint(1, 2)}조 {rng.randint(1, 99) * 100}억 원",
        "count": rng.randint(5, 99) * 10, "n_small": rng.randint(2, 9), "pct": rng.randint(5, 45),
    }


def _splice(rng: Random, a: str, b: str) -> str:
    """A new sentence: the start of ``a`` and the end of ``b`` (cut between words)."""
    wa, wb = a.rstrip(".").split(), b.split()
    i = rng.randint(1, max(1, len(wa) - 1))
    j = rng.randint(1, max(1, len(wb) - 1))
    return " ".join(wa[:i] + wb[j:])


def release(rng: Random, topic: str, city: tuple[str, str, str], day: int) -> list[str]:
    """One press release as paragraphs."""
    spec = texts.TOPICS[topic]
    ctx = _ctx(rng, topic, city, day)
    stock = [fill(s, ctx) for s in spec["sentences"]] + [fill(s, ctx) for s in texts.GENERIC_SENTENCES]
    stock += [fill(rng.choice(texts.QUOTE_FORMS).replace("{q}", q), ctx) for q in spec["quotes"]]
    n = rng.randint(6, 12)
    n_stock = rng.randint(2, min(5, n - 2))
    sentences = rng.sample(stock, n_stock)
    while len(sentences) < n:
        a, b = rng.sample(stock, 2)
        sentences.append(_splice(rng, a, b))
    rng.shuffle(sentences)
    sentences.insert(0, fill(rng.choice(spec["leads"]), ctx))
    paragraphs: list[str] = []
    i = 0
    while i < len(sentences):
        k = 1 if i == 0 else rng.randint(1, 3)
        paragraphs.append(" ".join(sentences[i:i + k]))
        i += k
    return paragraphs


def _new_lead(rng: Random, paragraphs: list[str], topic: str, city: tuple[str, str, str], day: int) -> None:
    spec = texts.TOPICS[topic]
    ctx = _ctx(rng, topic, city, day)
    first = paragraphs[0]
    other = [fill(s, ctx) for s in spec["leads"] + spec["titles"]]
    lead = rng.choice([s for s in other if s not in first] or other)
    if not lead.endswith("."):
        lead = f"{lead}는 소식이다."
    rest = first.split(". ", 1)[1] if ". " in first else ""
    paragraphs[0] = f"{lead} {rest}".strip()


def _reporter(rng: Random) -> tuple[str, str]:
    name, _desk, email = rng.choice(texts.REPORTERS)
    return name, email


def edited_copy(rng: Random, paragraphs: list[str], topic: str, city: tuple[str, str, str], day: int) -> list[str]:
    """What another outlet publishes from the same release (2-5 edits)."""
    out = list(paragraphs)
    edits = rng.sample(["lead", "dateline", "reporter", "trim", "swap", "punct"], rng.randint(2, 5))
    if "lead" in edits:
        _new_lead(rng, out, topic, city, day)
    if "trim" in edits and len(out) >= 4:
        out.pop()
    if "swap" in edits:
        for _ in range(rng.randint(1, 5)):
            found = [(a, b) for a, b in SWAPS if any(a in p for p in out)]
            if not found:
                break
            a, b = rng.choice(found)
            where = [i for i, p in enumerate(out) if a in p]
            i = rng.choice(where)
            out[i] = out[i].replace(a, b, 1)
    if "dateline" in edits:
        name, _ = _reporter(rng)
        outlet = rng.choice(OUTLETS)
        form = rng.choice(("[{o}={n} 기자] ", "({c}={o}) {n} 기자 = ", "【{c}={n} 기자】 "))
        out[0] = form.format(o=outlet, n=name, c=city[0]) + out[0]
    if "reporter" in edits:
        name, email = _reporter(rng)
        out.append(rng.choice((f"/{name} 기자", f"{name} 기자 {email}@{rng.choice(('news.example', 'mail.example'))}",
                               f"<저작권자 © {rng.choice(OUTLETS)} 무단전재 및 재배포 금지>")))
    if "punct" in edits:
        for i, p in enumerate(out):
            if rng.random() < 0.5:
                p = p.replace(" ", "  ", rng.randint(1, 3))
            if rng.random() < 0.3:
                p = p.replace(", ", ",\xa0").replace('"', "“", 1).replace('"', "”", 1)
            if rng.random() < 0.3:
                p = p.replace(". ", ".\n", 1)
            if rng.random() < 0.2:
                p = p.rstrip(".")
            out[i] = p
    return out


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    duplicate: bool
    kind: str  # positive | hard | random


def make_pairs(n: int, seed: int = 7) -> list[Pair]:
    """``n`` labelled pairs: half positives, a third of the rest random, the others hard negatives."""
    rng = Random(seed)
    topics = sorted(texts.TOPICS)
    pairs: list[Pair] = []
    for i in range(n):
        topic, city, day = rng.choice(topics), rng.choice(texts.CITIES), rng.randint(1, 28)
        base = release(rng, topic, city, day)
        if i % 2 == 0:
            pairs.append(Pair("\n\n".join(base), "\n\n".join(edited_copy(rng, base, topic, city, day)), True, "positive"))
        elif i % 6 == 1:
            t2 = rng.choice([t for t in topics if t != topic])
            c2 = rng.choice(texts.CITIES)
            other = release(rng, t2, c2, rng.randint(1, 28))
            pairs.append(Pair("\n\n".join(base), "\n\n".join(other), False, "random"))
        else:
            other = release(rng, topic, city, day)
            if rng.random() < 0.5:  # the other release also went through an outlet's hands
                other = edited_copy(rng, other, topic, city, day)
            pairs.append(Pair("\n\n".join(base), "\n\n".join(other), False, "hard"))
    return pairs


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(pairs: list[Pair], thresholds: tuple[float, ...] = (DEFAULT_THRESHOLD,)) -> dict[float, Scores]:
    """Index every text, query every pair's second text; scores per threshold."""
    index = NearIndex(sqlite3.connect(":memory:"))
    sigs_a = [signature(p.a) for p in pairs]
    sigs_b = [signature(p.b) for p in pairs]
    index.add_many([(2 * i, s) for i, s in enumerate(sigs_a)] + [(2 * i + 1, s) for i, s in enumerate(sigs_b)])
    lowest = min(thresholds)
    scores = {t: Scores() for t in thresholds}
    for i, (pair, sig) in enumerate(zip(pairs, sigs_b, strict=True)):
        found = {m.key: m.similarity for m in index.query(sig, threshold=lowest, limit=len(pairs))}
        sim = found.get(2 * i)
        for t, s in scores.items():
            hit = sim is not None and sim >= t
            if pair.duplicate:
                s.tp += hit
                s.fn += not hit
            else:
                s.fp += hit
                s.tn += not hit
    return scores


def exact_jaccard(a: str, b: str, k: int = SHINGLE) -> float:
    na, nb = normalize(a), normalize(b)
    sa = {na[i:i + k] for i in range(max(1, len(na) - k + 1))}
    sb = {nb[i:i + k] for i in range(max(1, len(nb) - k + 1))}
    return len(sa & sb) / len(sa | sb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=2000, help="labelled pairs (half positive)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--sweep", action="store_true", help="also exact-Jaccard ranges and other thresholds")
    args = parser.parse_args()

    pairs = make_pairs(args.pairs, args.seed)
    kinds = {k: sum(p.kind == k for p in pairs) for k in ("positive", "hard", "random")}
    print(f"pairs: {len(pairs)} ({kinds['positive']} positive, {kinds['hard']} hard negative, "
          f"{kinds['random']} random negative), seed {args.seed}")
    if args.sweep:
        for kind in kinds:
            js = sorted(exact_jaccard(p.a, p.b) for p in pairs if p.kind == kind)
            print(f"  exact {SHINGLE}-shingle Jaccard, {kind}: min {js[0]:.2f} p5 {js[len(js) // 20]:.2f} "
                  f"median {js[len(js) // 2]:.2f} p95 {js[len(js) * 19 // 20]:.2f} max {js[-1]:.2f}")
    thresholds = (args.threshold,)
    if args.sweep:
        thresholds = tuple(sorted({args.threshold, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5}))
    start = time.perf_counter()
    scores = evaluate(pairs, thresholds)
    elapsed = time.perf_counter() - start
    for t, s in scores.items():
        mark = "  <- used" if t == args.threshold else ""
        print(f"threshold {t:.2f}: precision {s.precision:.4f} recall {s.recall:.4f} F1 {s.f1:.4f} "
              f"(tp {s.tp} fp {s.fp} fn {s.fn} tn {s.tn}){mark}")
    print(f"signatures + index + queries: {elapsed:.2f}s for {2 * len(pairs)} texts")


if __name__ == "__main__":
    main()
