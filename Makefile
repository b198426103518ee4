# Kechuang: the two commands a newcomer needs are `make run` and `make test`.
# Stamp files under .venv/ and var/ make a second run skip what is already done.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KC := $(BIN)/kechuang
DEMO_ENTERPRISES ?= 20000
DEMO_YEARS ?= 2022-2024
DEMO_SEED ?= 2024
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install db demo demo-accounts demo-extras demo-pillars demo-applications serve bench lint format docs clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

var/.db-ready: $(VENV)/.installed $(wildcard src/kechuang/store/migrations/versions/*.py)
	mkdir -p var
	$(KC) db upgrade
	$(KC) policies seed
	touch $@

db: var/.db-ready

var/.demo-loaded: var/.db-ready
	$(KC) generate --enterprises $(DEMO_ENTERPRISES) --years $(DEMO_YEARS) --seed $(DEMO_SEED) --out var/demo-panel.parquet
	$(KC) import var/demo-panel.parquet
	touch $@

demo: var/.demo-loaded

# Demo accounts are created once (their passwords printed only then); the stamp keeps it so.
# They come after the pillars: each account belongs to an organisation that owns demo records.
var/.demo-accounts: var/.demo-pillars
	$(KC) accounts demo
	touch $@

demo-accounts: var/.demo-accounts

# Cultivation (certificates, incubators, tenants) and biomedicine (drugs, devices, admissions).
var/.demo-extras: var/.demo-loaded
	$(KC) cultivation demo --seed $(DEMO_SEED)
	$(KC) stats demo --seed $(DEMO_SEED)
	touch $@

demo-extras: var/.demo-extras

# Policy payments, tech loans and transfer deals, through the services (re-runnable).
var/.demo-pillars: var/.demo-extras
	$(KC) demo pillars --seed $(DEMO_SEED)
	touch $@

demo-pillars: var/.demo-pillars

# 申报 rounds with applications at every stage, and the expert accounts (passwords printed once).
var/.demo-applications: var/.demo-accounts
	$(KC) applications demo --seed $(DEMO_SEED)
	touch $@

demo-applications: var/.demo-applications

run: demo demo-extras demo-pillars demo-accounts demo-applications
	$(KC) policies seed
	$(KC) serve --host $(HOST) --port $(PORT)

# The suite runs on every core (pytest-xdist; PYTEST_WORKERS=0 runs it in one process). Each
# module stays on one worker (loadscope) so that its module-scoped worlds are built once.
PYTEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src/kechuang/domain src/kechuang/rules
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

docs: install
	$(KC) policy-docs --out docs/policies

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
