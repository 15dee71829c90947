# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCALES := locales
DOMAIN := messages
POS := $(wildcard $(LOCALES)/*/LC_MESSAGES/$(DOMAIN).po)
MOS := $(POS:.po=.mo)

LOCK := requirements.lock
PIP_VERSION := 26.3

.PHONY: run test lint format i18n i18n-compile bench bench-broadcast bench-report bench-burst lock clean

# Exact versions with their hashes from the lock file; pyproject.toml keeps the ranges.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet 'pip==$(PIP_VERSION)'
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Refresh the lock from pyproject.toml's ranges (then commit requirements.lock).
lock: $(STAMP)
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --extra dev -o $(LOCK) pyproject.toml

%.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel compile --use-fuzzy -d $(LOCALES) -D $(DOMAIN) -l $(word 1,$(subst /, ,$(patsubst $(LOCALES)/%,%,$<))) >/dev/null

i18n-compile: $(MOS)

run: $(STAMP) i18n-compile
	$(PY) -m bot run

test: $(STAMP) i18n-compile
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Extract every user-visible text, merge it into the catalogues, fill English, compile.
i18n: $(STAMP)
	$(VENV)/bin/pybabel extract -w 100 --no-location --sort-by-file -F babel.cfg -k N_ -o $(LOCALES)/$(DOMAIN).pot --project khuyenhoc-bot --copyright-holder "khuyenhoc-bot contributors" . >/dev/null
	$(VENV)/bin/pybabel update -w 100 --no-fuzzy-matching -i $(LOCALES)/$(DOMAIN).pot -d $(LOCALES) -D $(DOMAIN)
	$(PY) -m bot.i18n_tools fill-english $(LOCALES)/en/LC_MESSAGES/$(DOMAIN).po
	$(PY) -m bot.i18n_tools report $(LOCALES)/vi/LC_MESSAGES/$(DOMAIN).po
	$(MAKE) i18n-compile

bench: $(STAMP) i18n-compile
	$(PY) bench/registration.py

bench-broadcast: $(STAMP) i18n-compile
	$(PY) bench/broadcast.py

bench-report: $(STAMP) i18n-compile
	$(PY) bench/report.py

bench-burst: $(STAMP) i18n-compile
	$(PY) bench/burst.py

clean:
	rm -rf $(VENV) $(MOS) .pytest_cache .ruff_cache
