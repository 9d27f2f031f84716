# Two commands matter: `make run` (the service with demo data, on 127.0.0.1:$PORT)
# and `make test` (the whole suite). Both start from a fresh clone: they make
# .venv/, install what changed since last time, and compile the catalogs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# pip runs again only when a requirements file is newer than its stamp.
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
TRANSLATIONS := feedback_service/translations
# Debian packages the suite needs (its harness starts private redis-server and
# PostgreSQL instances, reads QR codes with zbarimg — SVG first drawn to PNG by
# rsvg-convert, since zbarimg's own SVG path needs ImageMagick extras — drives Chromium).
# The PDF posters are read back page by page with pdftoppm (poppler-utils); they are
# drawn in DejaVu (fonts-dejavu-core), which the service itself needs too.
TEST_DEBIAN_PACKAGES := redis-server postgresql zbar-tools librsvg2-bin chromium fonts-noto-color-emoji poppler-utils fonts-dejavu-core
# What the running service needs beyond Python (redis-server is installed by scripts/run.py
# itself, unless REDIS_URL names a Redis): the poster PDFs' font.
RUN_DEBIAN_PACKAGES := fonts-dejavu-core

export DEBIAN_FRONTEND := noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test audit bench clean catalogs translations system-packages

run: $(RUNTIME_STAMP) catalogs
	@$(MAKE) --no-print-directory system-packages PACKAGES="$(RUN_DEBIAN_PACKAGES)" NEEDED_BY="the service"
	$(BIN)/python scripts/run.py

test: $(DEV_STAMP) catalogs system-packages
	$(BIN)/python -m pytest tests

# Known vulnerabilities in the pinned requirements (scripts/audit.py). Fails only on
# a known vulnerability; when no advisory service can answer (no network, an index
# without pip-audit's JSON API) it says "NOTHING WAS CHECKED" and exits 0.
AUDIT_VENV := .venv-audit
audit: | $(BIN)/pip
	@[ -x $(AUDIT_VENV)/bin/python ] || $(PYTHON) -m venv $(AUDIT_VENV)
	@$(AUDIT_VENV)/bin/pip install -q -r requirements-audit.txt || \
		{ echo "audit: NOTHING WAS CHECKED: pip-audit could not be installed"; exit 0; }
	$(AUDIT_VENV)/bin/python scripts/audit.py requirements.txt

bench: $(RUNTIME_STAMP) catalogs
	@if [ -f benchmarks/run.py ]; then $(BIN)/python benchmarks/run.py; \
	else echo "make bench: benchmarks/run.py does not exist yet"; fi

# The venv is made with `python3 -m venv`; Debian ships that module apart, so
# install python3-venv when it is missing (a failed attempt leaves a .venv with
# python but no pip, hence pip as the target).
$(BIN)/pip:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "make: Python 3.11 or newer is needed as $(PYTHON)"; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		rm -rf $(VENV); \
		if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
			echo "make: '$(PYTHON) -m venv' failed; install python3-venv and run again"; exit 1; fi; \
		echo "make: installing python3-venv"; \
		apt-get update -qq && apt-get install -y -qq python3-venv </dev/null && $(PYTHON) -m venv $(VENV); }

$(RUNTIME_STAMP): requirements.txt | $(BIN)/pip
	$(BIN)/pip install -q -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/pip
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

# .mo files are build output (git-ignored); compiling takes well under a second.
catalogs: $(RUNTIME_STAMP)
	@$(BIN)/pybabel -q compile -d $(TRANSLATIONS)

# After changing texts in code or templates: re-extract, merge into each
# language's catalog, then translate the new empty entries.
translations: $(RUNTIME_STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --add-comments=Translators: \
		--project="SIPAS feedback" \
		--copyright-holder="SIPAS feedback contributors" -o $(TRANSLATIONS)/messages.pot .
	@[ -f $(TRANSLATIONS)/en/LC_MESSAGES/messages.po ] || \
		$(BIN)/pybabel init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l en
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

# apt-get only for what is missing, so a warm machine skips it entirely.
PACKAGES ?= $(TEST_DEBIAN_PACKAGES)
NEEDED_BY ?= the tests
system-packages:
	@command -v dpkg-query >/dev/null || { echo "make: not Debian; make sure these are installed: $(PACKAGES)"; exit 0; }; \
	missing=""; for package in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "make: $(NEEDED_BY) need these Debian packages:$$missing"; exit 1; fi; \
		echo "make: installing$$missing"; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing </dev/null; fi

clean:
	rm -rf $(VENV) $(AUDIT_VENV) .pytest_cache test-artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find $(TRANSLATIONS) -name '*.mo' -delete
