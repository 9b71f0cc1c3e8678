# SkillsMatch: `make run` sets everything up and starts the site; `make test` runs the test suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FRONTEND := web/static/govuk/VERSION

.PHONY: install run test bench lint clean

install: $(STAMP) $(FRONTEND)

# torch comes first, from the CPU wheel on disk, so nothing pulls a CUDA build of it later.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

# GOV.UK Frontend from npm, compiled and copied into web/static/govuk (generated, git-ignored).
$(FRONTEND): package.json package-lock.json web/frontend/build.mjs web/frontend/skillsmatch.scss
	npm ci --no-audit --no-fund --ignore-scripts --omit=optional
	npm run build

run: install
	$(BIN)/skillsmatch load-all
	$(BIN)/skillsmatch demo-accounts
	HF_HUB_OFFLINE=1 $(BIN)/skillsmatch run --host 127.0.0.1 --port 5000

test: install lint
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

bench: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.bench_linking

lint: install
	$(BIN)/ruff check skillsmatch ml web tests bench
	$(BIN)/ruff format --check skillsmatch ml web tests bench

clean:
	rm -rf $(VENV) instance var node_modules web/static/govuk
