# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up by them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# make run serves a development server with a job worker beside it (scripts/serve.sh);
# DEBUG=1 lets it start without a SECRET_KEY.
MANAGE := DEBUG=1 $(BIN)/python manage.py
RUN_PACKAGES := fonts-noto-cjk gettext libpango-1.0-0 libpangoft2-1.0-0
TEST_PACKAGES := $(RUN_PACKAGES) chromium poppler-utils libreoffice-calc-nogui postgresql-client
HOST ?= 127.0.0.1
PORT ?= 8000
# make load: simulated people, how long the mix and the floor (/ping/ alone) run, the per cent of
# people saving score sheets (the rest read reports), how fast they arrive, gunicorn workers.
USERS ?= 100
TIME ?= 60s
TRIVIAL_TIME ?= 30s
MIX ?= 60
SPAWN_RATE ?= 10
WORKERS ?= 4
# make bench: organizations and closed rounds of its database, runs of each page.
ORGS ?= 20000
YEARS ?= 3
REPEAT ?= 5

# Demo accounts have the README's passwords: they go into the default SQLite file, and into the
# database DATABASE_URL names only when asked for with DEMO=1 (DATABASE_URL=... make run DEMO=1).
DEMO ?=
SEED_DEMO := $(if $(DATABASE_URL),$(filter 1,$(DEMO)),1)
NO_DEMO_NOTE := @echo "DATABASE_URL 已设置：未写入演示数据和演示账号（需要时加 DEMO=1）。"

.PHONY: run test load bench setup install system-packages test-packages messages clean

run: system-packages setup
	@echo
	$(if $(SEED_DEMO),@$(MANAGE) seed_demo)
	@echo
	@echo "学习型党组织建设考评系统 Kaoping: http://$(HOST):$(PORT)/"
	DEBUG=1 PYTHON=$(BIN)/python scripts/serve.sh $(HOST):$(PORT)

test: test-packages setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# Its own database (var/load.sqlite3, or <name>_load beside DATABASE_URL's), gunicorn on loopback,
# locust headless (the floor, then the mix), then the verifier: fails on any 5xx, lost update or
# total that does not add up.
load: system-packages setup
	$(BIN)/python -m loadtest.run --users $(USERS) --time $(TIME) --trivial-time $(TRIVIAL_TIME) --mix $(MIX) \
		--spawn-rate $(SPAWN_RATE) --workers $(WORKERS)

# Its own database at benchmark scale (var/bench.sqlite3, or <name>_bench beside DATABASE_URL's),
# seeded once and kept; then every page against its floor, one JSON object on the last line.
bench: system-packages install messages
	$(BIN)/python -m demo.bench_run --orgs $(ORGS) --years $(YEARS) --repeat $(REPEAT)

setup: install messages
	@mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) loaddata dalian_2010
	$(if $(SEED_DEMO),$(MANAGE) seed_demo >/dev/null,$(NO_DEMO_NOTE))

install: $(VENV)/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

messages: install
	$(MANAGE) compilemessages --ignore=.venv --ignore=var -v0

system-packages:
	@scripts/system-packages.sh $(RUN_PACKAGES)

test-packages:
	@scripts/system-packages.sh $(TEST_PACKAGES)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .mypy_cache .ruff_cache *.egg-info
