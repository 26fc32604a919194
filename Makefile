# cptref: `make run` to use it, `make test` to test it. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint format bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	DJANGO_DEBUG=true $(PY) manage.py migrate --no-input -v 0
	DJANGO_DEBUG=true $(PY) manage.py load_reference
	DJANGO_DEBUG=true $(PY) manage.py ensure_dev_superuser
	@echo "Serving http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	DJANGO_DEBUG=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.dev
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Not part of CI: the search benchmark (SQLite and PostgreSQL), then gunicorn + PostgreSQL under wrk (bench/load.py).
bench: $(VENV)/.runtime
	$(PY) -m bench.search
	$(PY) -m bench.load

clean:
	rm -rf $(VENV) staticfiles test-results .pytest_cache .ruff_cache .hypothesis
