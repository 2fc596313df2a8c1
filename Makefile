# The two commands: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AXE := node_modules/axe-core/axe.min.js
HOST ?= 127.0.0.1
PORT ?= 8000
# The address certificates' QR codes open: where `make run` serves, unless set.
PORTAL_BASE_URL ?= http://$(HOST):$(PORT)
# Tests always run on PostgreSQL and Redis (the embedded SQLite is for `make run`).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
WORKER_REDIS_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?= -n 2

.PHONY: run serve test lint format worker beat setup system-packages services messages migrate seed clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

system-packages:
	@bash scripts/system-packages.sh

setup: system-packages $(STAMP) messages

# axe-core, from the npm registry at the version package-lock.json pins: the browser
# tests check every page with it (tests/e2e/test_accessibility.py).
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel error
	touch $(AXE)

messages: $(STAMP)
	$(BIN)/python manage.py compilemessages --ignore=.venv --verbosity 0

migrate: setup
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	PORTAL_BASE_URL=$(PORTAL_BASE_URL) $(BIN)/python manage.py seed_demo

run: seed
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C stops). Demo logins are listed above."
	PORTAL_BASE_URL=$(PORTAL_BASE_URL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production: the portal on gunicorn (gunicorn.conf.py) with DJANGO_ENV=production, which
# refuses to start without SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, PORTAL_BASE_URL and an
# SMS backend (README, "Deployment"). Run the worker and beat beside it.
serve: setup
	DJANGO_ENV=production $(BIN)/python manage.py check --deploy --fail-level ERROR
	DJANGO_ENV=production $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_ENV=production $(BIN)/python manage.py migrate --noinput
	DJANGO_ENV=production exec $(BIN)/gunicorn -c gunicorn.conf.py

services:
	@bash scripts/services.sh

test: setup services $(AXE)
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(BIN)/pytest $(PYTEST_ARGS)

# Consumes the default queue (CELERY_QUEUE, "celery") and the study clock's flush queue
# (CELERY_CLOCK_QUEUE, "clock"): CELERY_TASK_QUEUES in portal/settings.py.
worker: setup
	REDIS_URL=$${REDIS_URL:-$(WORKER_REDIS_URL)} $(BIN)/celery -A portal worker --loglevel INFO

beat: setup
	REDIS_URL=$${REDIS_URL:-$(WORKER_REDIS_URL)} $(BIN)/celery -A portal beat --loglevel INFO \
		--schedule var/celerybeat-schedule

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var node_modules
