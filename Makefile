# govcheck: `make demo` runs the main job end to end; `make test` installs what the tests need and runs them
# (no root needed); `make browser` (root, apt-get) adds the chromium the html rendering test uses.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

SCRAPYD_NODE ?= var/scrapyd-node
NODE_STAMP := $(SCRAPYD_NODE)/.installed

FARM_PORT ?= 8899

.PHONY: demo farm test imports browser lint install clean scrapyd-node deploy bench

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Starts the bundled sample site farm on loopback, crawls it into SQLite (var/demo.db) and prints the report.
demo: $(STAMP)
	$(PY) -m tests.farm.demo

# Serves the sample sites (tests/farm) in the foreground for the README's Usage section; prints the
# proxy lines to export in the shell that runs govcheck.
farm: $(STAMP)
	$(PY) -m tests.farm --port $(FARM_PORT) --exports

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) --no-print-directory imports
	$(PY) -m pytest -q -n 3 --dist loadgroup --durations=15

# The layering contracts in pyproject.toml ([tool.importlinter]). import-linter reads a package from its
# directory: govcheck/spiders and govcheck/pipelines are symlinks to the top-level folders, the shape
# package-dir installs, so a bare `lint-imports` in the repository sees what is installed.
imports: $(STAMP)
	$(VENV)/bin/lint-imports --no-logo --no-cache

# Benchmarks, not tests (no timed assertion anywhere; 45–60 minutes on two shared cores): the encoding
# detector and the listing extractor on the corpus pages; `govcheck evaluate` at 100k / 300k / 1M entries on PostgreSQL (the embedded
# one the tests use, or GOVCHECK_TEST_POSTGRES_URL) and SQLite; the crawl writer's rows/s (VALUES vs COPY);
# then govcheck vs plain Scrapy (its own crawl, and govcheck's requests replayed) vs LinkChecker on the big farm
# (LinkChecker is installed into its own venv under var/bench/ on first use); then 20/50/100 small sites at once in one
# process; then the national night: 100 big-farm sites at once at default politeness for 9 minutes (bench/night.py); then the same crawl of 40 sites with the garbage-collector tuning off and on (bench/gc_tuning.py, 2 × 3 minutes); then one item per link (the last such revision) against one per page's links (bench/items.py, 2 × 3 minutes and a comparison of stored rows). BENCH_SITES sets the big farm's size. Figures and machine: bench/README.md.
BENCH_SITES ?= 20
bench: $(STAMP)
	$(PY) bench/encoding.py
	$(PY) bench/listing.py
	$(PY) bench/evaluate.py
	$(PY) bench/writer.py
	$(PY) bench/crawl.py --sites $(BENCH_SITES)
	$(PY) bench/sites_at_once.py
	$(PY) bench/night.py
	$(PY) bench/gc_tuning.py
	$(PY) bench/items.py

# Debian's chromium and CJK fonts, for the test that renders the html report into var/artifacts/report.png
# (without them that test is skipped, saying so). Needs root and apt-get; run once per machine.
browser:
	@if [ -x /usr/bin/chromium ] && [ -d /usr/share/fonts/opentype/noto ]; then \
		echo "chromium and Noto CJK fonts are installed"; \
	elif command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
	else \
		echo "make browser: needs apt-get; install chromium and the Noto CJK fonts by hand" >&2; exit 1; \
	fi

# A Scrapyd node's environment: Scrapyd (pinned with the setuptools it still needs) and govcheck's
# dependencies; govcheck itself arrives as the egg that `make deploy` uploads.
$(NODE_STAMP): pyproject.toml
	$(PYTHON) -m venv $(SCRAPYD_NODE)
	$(SCRAPYD_NODE)/bin/python -m pip install --quiet --upgrade pip
	$(SCRAPYD_NODE)/bin/python -m pip install --quiet "scrapyd==1.6.0" "setuptools>=68,<81" \
		$$($(PYTHON) -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))')
	touch $(NODE_STAMP)

scrapyd-node: $(NODE_STAMP)

# Build the egg from our own setup.py and upload it: make deploy TARGET=node (see scrapy.cfg).
deploy: $(STAMP)
	@test -n "$(TARGET)" || { echo "usage: make deploy TARGET=<deploy target in scrapy.cfg>" >&2; exit 2; }
	$(VENV)/bin/scrapyd-deploy $(TARGET) -p govcheck

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf var .pytest_cache build *.egg-info
