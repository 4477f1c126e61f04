# All targets create the virtual environment on first use; nothing else needs installing by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean chromium

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## quotas for the latest announced landstal on the embedded data
	$(BIN)/visitering quotas

test: $(STAMP) chromium  ## the whole test suite, notebooks included
	$(BIN)/python -m pytest

# The HTML report is tested in headless Chromium (Debian's package); installed only when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check visitering tests bench
	$(BIN)/ruff format --check visitering tests bench
	$(BIN)/mypy

# Every benchmark runs even when an earlier one misses its target; the exit status says if any did.
bench: $(STAMP)
	@status=0; for b in bench_quotas bench_batch bench_assign bench_simulate; do \
	  $(BIN)/python bench/$$b.py || status=1; done; exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
