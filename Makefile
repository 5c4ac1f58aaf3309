# newscrawl: `make demo` crawls the bundled demo site offline; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_OUT ?= output/demo
DEMO_SIZE ?= 80

.PHONY: venv demo demo-reset test test-all lint clean score bench-extract bench-render bench-crawl fixtures

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

demo: venv
	$(PY) -m demo run --out $(DEMO_OUT) --size $(DEMO_SIZE)

demo-reset:
	rm -rf $(DEMO_OUT)

# The README's test command (and CI's): lint (ruff + mypy --strict) first, then every test.
test: venv lint
	$(PY) -m pytest -q -m "not slow"

# Everything, the slow soak/fault suites included: what CI runs.
test-all: venv lint
	$(PY) -m pytest -q

score: venv
	$(PY) scripts/score_corpus.py

bench-extract: venv
	$(PY) scripts/bench_extract.py

# What rendering costs: ~600 rendered list pages with and without request blocking, and a crawl that renders
# nothing by v0.2.0, HEAD and HEAD with a naive handler install (11-14 minutes here; ARGS="--quick" for a smoke run).
bench-render: venv
	$(PY) scripts/bench_render.py $(ARGS)

# Crawl throughput: newscrawl against a bare Scrapy spider on a static nginx snapshot of the demo (3,000
# articles, 3 interleaved pairs); ARGS="--quick" for a smoke run, ARGS="--memory" for RSS growth over 100k articles.
bench-crawl: venv
	$(PY) scripts/bench_crawl.py $(ARGS)

# Regenerate tests/pages/fixtures/*/*/expected.json and print the diff; ARGS="--check" writes nothing.
fixtures: venv
	$(PY) scripts/update_fixtures.py $(ARGS)

lint: venv
	$(VENV)/bin/ruff check newscrawl tests scripts demo
	$(VENV)/bin/mypy

clean:
	rm -rf output .newscrawl .pytest_cache build dist
