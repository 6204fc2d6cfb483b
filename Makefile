# Two commands do all set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app remiss
PO     := $(wildcard remiss/translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)

.PHONY: run test install install-test translations extract-messages clean bench bench-load serve-prod

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

%.mo: %.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile -f -i $< -o $@

translations: $(MO)

## Serve the app with demo data on http://127.0.0.1:5000 (SQLite in instance/).
run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

## Run the whole test suite (REMISS_TEST_DATABASE_URL selects PostgreSQL).
test: install-test translations
	$(PY) -m pytest $(PYTEST_ARGS)

$(VENV)/.installed-prod: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install -q -e '.[prod]'
	touch $@

## The production stack on this machine (docs/deployment.md): gunicorn, PostgreSQL remiss_prod, Redis.
serve-prod: $(VENV)/.installed-prod translations
	deploy/serve-prod.sh

## Benchmarks (not part of `make test`): tables on the terminal, CSV in benchmarks/results/.
## BENCH="reports pages" picks some; BENCH_SIZES etc. are described in benchmarks/run.py.
bench: install-test translations
	$(PY) -m benchmarks.run $(BENCH)

## Load benchmark on the serve-prod stack: autosave against a bare INSERT route (locust, loopback only).
bench-load: $(VENV)/.installed-prod translations
	$(PY) -m benchmarks.load

## Refresh the message catalogues after changing user-facing text.
extract-messages: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --project=Remiss -o remiss/translations/messages.pot .
	$(VENV)/bin/pybabel update -i remiss/translations/messages.pot -d remiss/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache
