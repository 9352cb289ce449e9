# `make run` and `make test` each do their own set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BABEL  := $(VENV)/bin/pybabel
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-postgres bench soak install translations catalogs catalogs-check migrate lint clean

run: migrate
	$(PY) main.py run

# Every test once; the tests that use a database once on SQLite and once on PostgreSQL when a
# server answers (clones of one migrated template); without a server one line at the end says
# the PostgreSQL runs were skipped. The crash and fault tests run in their quick form (`make
# soak` runs them at length). Two parallel workers; PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
PYTEST := $(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadgroup

test: translations catalogs-check migrate lint
	$(PYTEST) $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# Compile the gettext catalogs (.po -> .mo); the bot refuses to start without them.
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

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) locales/*/LC_MESSAGES/*.mo

# Only the PostgreSQL runs (the tests that use a database, on 127.0.0.1:5432 or
# TEST_POSTGRES_ADMIN_URL); fails when no server answers.
test-postgres: translations
	TEST_DATABASE=postgresql $(PYTEST) $(PYTEST_ARGS)

# How well parents' questions are understood, on held-out questions nobody tuned on.
bench: translations
	$(PY) bench/faq_accuracy.py

# The crash and fault tests at length, one after another, on SQLite and PostgreSQL: the bot
# process killed with SIGKILL 200 times (`make test`: 8) and 1,000 messages through a Bot API
# failing 30% of calls (`make test`: 200). SOAK_KILLS=N and SOAK_MESSAGES=N change them.
soak: translations
	SOAK_KILLS=$${SOAK_KILLS:-200} SOAK_MESSAGES=$${SOAK_MESSAGES:-1000} \
		$(PY) -m pytest -q -m slow $(PYTEST_ARGS)
