# journeylog: the two quick-start commands are `make demo` and `make test`.
# Both create (or reuse) a local virtual environment in .venv; nothing depends on
# what happens to be installed on the machine besides python3 (>= 3.11).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint setup system-deps bench sweep fuzz clean help

help:
	@echo "make demo   - ingest, discover, conform, contacts and the emotion curve of the bundled telecom sample, and its HTML report"
	@echo "make test   - lint, then run the whole test suite (installs Graphviz and Chromium if it can)"
	@echo "make lint   - ruff (style, bugs, complexity) and mypy (types) on the code"
	@echo "make bench  - run the benchmark against plain pm4py (benchmarks/)"
	@echo "make sweep  - the long equality sweep against pm4py (JOURNEYLOG_SWEEP_EXAMPLES=500)"
	@echo "make fuzz   - fuzz the CSV/JSONL/Parquet/XES/YAML/BPMN front-ends (JOURNEYLOG_FUZZ_SECONDS=120)"

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,spark]'
	@touch $(STAMP)

setup: $(STAMP) system-deps

# Graphviz's `dot` renders SVG/PNG graphs and the report's map; Chromium runs the HTML report's
# browser tests (headless); Java 17 runs the Spark engine's tests (--engine spark, local mode).
# Installed from Debian's packages when we can (root or sudo); journeylog itself works without
# them, and the tests that need them are skipped with the reason.
system-deps:
	@missing=""; command -v dot >/dev/null 2>&1 || missing=" graphviz"; \
	  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing="$$missing chromium"; \
	  command -v java >/dev/null 2>&1 || [ -x "$$JAVA_HOME/bin/java" ] || missing="$$missing openjdk-17-jre-headless"; \
	  if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else SUDO=none; fi; \
	  if [ "$$SUDO" != none ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing$$missing (Debian packages) for SVG/PNG rendering, the browser tests and the Spark tests"; \
	    $$SUDO apt-get update -qq >/dev/null && $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	  else echo "note:$$missing not installed and cannot install here; the tests that need them will be skipped"; fi; fi

demo: $(STAMP)
	@bash samples/demo.sh $(BIN)/journeylog

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

# the whole suite: the guardrails (ruff, mypy; the layer and size rules are tests) and then every test
test: setup lint
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py --events 1000000

# The property-based equality sweep (tests/mining/test_equality_sweep.py) runs a few dozen
# examples in `make test`; this runs 500 hypothesis examples and 500 seeded ones, in one process.
sweep: $(STAMP)
	JOURNEYLOG_SWEEP_EXAMPLES=500 $(BIN)/python -m pytest -q -p no:xdist tests/mining/test_equality_sweep.py

# Hypothesis-made hostile inputs through every front-end, in process, for a bounded time; fails on
# any exit code outside 0-5, a traceback or a second error line (see SECURITY.md).
JOURNEYLOG_FUZZ_SECONDS ?= 120
fuzz: $(STAMP)
	$(BIN)/python tests/fuzz/fuzz_frontends.py --seconds $(JOURNEYLOG_FUZZ_SECONDS)

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache demo-output
