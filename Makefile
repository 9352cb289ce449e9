# `make run` and `make test` each do their own set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BABEL  := $(VENV)/bin/pybabel
STAMP  := $(VENV)/.installed-stamp
# What `make typecheck` checks with mypy (strict, see pyproject.toml): the whole application.
MYPY_PATHS := bot handlers storage sandbox
UV     := $(VENV)/bin/uv
# The locks pin every package with its hashes, for Python 3.11 on Linux (the CI machine and
# the container image). requirements.lock: what the bot needs to run (the Dockerfile);
# requirements-dev.lock: that plus the tools to test and lint (`make install`).
LOCK_FLAGS := --quiet --python-version 3.11 --python-platform linux --generate-hashes \
              --custom-compile-command "make lock"

.PHONY: run test test-postgres bench bench-caseload bench-load soak install lock lock-upgrade translations catalogs catalogs-check migrate lint typecheck clean

run: migrate
	$(PY) main.py

# Every test once; the tests that use a database once on SQLite and once on PostgreSQL when a
# server answers (clones of one migrated template); without a server one line at the end says
# the PostgreSQL runs were skipped. The crash and fault tests run in their quick form (`make
# soak` runs them at length). Two parallel workers; PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
PYTEST := $(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadgroup

test: translations catalogs-check migrate lint typecheck
	$(PYTEST) $(PYTEST_ARGS)

install: $(STAMP)

# Exactly the versions in the lock (hashes checked), then the project itself on top.
$(STAMP): pyproject.toml requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements-dev.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

# Regenerate both locks after changing the dependencies in pyproject.toml: keeps the pinned
# versions that still fit and adds what is new. `make lock-upgrade` moves everything to the
# newest versions allowed. Needs PyPI; commit the two .lock files.
lock:
	test -x $(UV) || { test -x $(PY) || $(PYTHON) -m venv $(VENV); $(PY) -m pip install -q uv; }
	$(UV) pip compile $(LOCK_FLAGS) $(LOCK_ARGS) pyproject.toml --extra dev -o requirements-dev.lock
	$(UV) pip compile $(LOCK_FLAGS) $(LOCK_ARGS) pyproject.toml -c requirements-dev.lock -o requirements.lock

lock-upgrade:
	$(MAKE) lock LOCK_ARGS=--upgrade

# Compile the gettext catalogs (.po -> .mo). Without an up-to-date .mo the bot compiles
# the .po in memory at start (a fresh clone or wheel); compiled ones start faster.
translations: install
	$(BABEL) compile -d locales -D messages --statistics 2>&1 | tail -n 1
	$(BABEL) compile -d locales -D staff --statistics 2>&1 | tail -n 1

migrate: translations
	$(PY) main.py migrate

# Two domains: `messages` (_ and N_, every language) and `staff` (S_, NS_ and Sngettext:
# texts for consultants and partner professionals, Dutch and English only).
EXTRACT       := $(BABEL) extract -F babel.cfg --no-location --sort-output
STAFF_KEYWORDS := --no-default-keywords -k S_ -k NS_ -k Sngettext:1,2
UPDATE        := $(BABEL) update --no-fuzzy-matching --ignore-obsolete --width 100

# Re-extract messages and merge them into every catalog (for developers).
catalogs: install
	$(EXTRACT) -k N_ -o locales/messages.pot .
	$(UPDATE) -i locales/messages.pot -d locales -D messages
	$(EXTRACT) $(STAFF_KEYWORDS) -o locales/staff.pot .
	$(UPDATE) -i locales/staff.pot -d locales -D staff

# Fails when the code has messages that the catalogs do not have yet.
catalogs-check: install
	$(EXTRACT) -k N_ -o $(VENV)/messages-check.pot .
	$(UPDATE) -i $(VENV)/messages-check.pot -d locales -D messages --ignore-pot-creation-date --check
	$(EXTRACT) $(STAFF_KEYWORDS) -o $(VENV)/staff-check.pot .
	$(UPDATE) -i $(VENV)/staff-check.pot -d locales -D staff --ignore-pot-creation-date --check

# ruff with the rules in pyproject.toml; the wider set (ASYNC, SIM, RUF, PL, C90) applies to
# bot/, handlers/ and storage/ (per-file-ignores still spare tests, bench and main.py).
lint: install
	$(VENV)/bin/ruff check .

typecheck: install
	$(VENV)/bin/mypy $(MYPY_PATHS)

clean:
	rm -rf $(VENV) locales/*/LC_MESSAGES/*.mo

# Only the PostgreSQL runs (the tests that use a database, on 127.0.0.1:5432 or
# TEST_POSTGRES_ADMIN_URL); fails when no server answers.
test-postgres: translations
	TEST_DATABASE=postgresql $(PYTEST) $(PYTEST_ARGS)

# How well parents' questions are understood, on held-out questions nobody tuned on.
bench: translations
	$(PY) bench/faq_accuracy.py

# How fast the inbox, a case view, /stats and the export are with N made-up cases (default
# 100,000 over two years): a fresh SQLite file and, when a server answers on 127.0.0.1:5432,
# a fresh PostgreSQL database (dropped after). A table per database, the targets beside it.
N ?= 100000
bench-caseload: translations
	$(PY) bench/caseload.py $(N)

# Load: 1, 50 and 200 simulated parents against a fake Bot API, this bot next to a bare
# python-telegram-bot echo bot (updates/s, latency, CPU per 1,000 updates, peak memory;
# docs/performance.md). LOAD_USERS=1,50,200 LOAD_SECONDS=20 LOAD_WARMUP=5 change it.
bench-load: translations
	$(PY) bench/load.py

# The crash, fault and fuzz tests at length, one after another, on SQLite and PostgreSQL: the
# bot process killed with SIGKILL 200 times (`make test`: 8; the acknowledgement test half that
# in each of polling and webhook mode, `make test`: 3 each), 1,000 messages through a Bot API
# failing 30% of calls (`make test`: 200), and 50 fuzz examples of 120 random updates from
# every role (`make test`: 5 of 40). SOAK_KILLS=N, SOAK_MESSAGES=N, SOAK_FUZZ_EXAMPLES=N and
# SOAK_FUZZ_STEPS=N change them.
soak: translations
	SOAK_KILLS=$${SOAK_KILLS:-200} SOAK_MESSAGES=$${SOAK_MESSAGES:-1000} \
		SOAK_FUZZ_EXAMPLES=$${SOAK_FUZZ_EXAMPLES:-50} SOAK_FUZZ_STEPS=$${SOAK_FUZZ_STEPS:-120} \
		$(PY) -m pytest -q -m slow $(PYTEST_ARGS)
