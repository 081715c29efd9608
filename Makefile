# Portail Familles — the two commands: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
SERVICES := accounts enrolment planning notifications

.PHONY: run test install chromium lint unit browser package bench clean

# Fall back to python3 when there is no python3.11 binary (the interpreter must still be 3.11+).
ifeq ($(shell command -v $(PYTHON) 2>/dev/null),)
PYTHON := python3
endif

$(STAMP): constraints.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (never a browser downloaded by a test tool).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "Installing Debian's chromium…"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

run: $(STAMP)
	$(PY) -m infra.local.run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/cfn-lint infra/template.yaml

test: $(STAMP) chromium lint
	$(PY) -m pytest -n 2 --dist loadfile -q

unit: $(STAMP)
	$(PY) -m pytest -q --ignore=tests/web

browser: $(STAMP) chromium
	$(PY) -m pytest -q tests/web

# Speed and DynamoDB request counts (figures in benchmarks/README.md); never part of `make test`.
bench: $(STAMP)
	$(PY) -m benchmarks.planning_year
	$(PY) -m benchmarks.committee_5000
	$(PY) -m benchmarks.opening_day

# Packages each service for AWS (SAM templates merged with infra/merge/<service>.yaml) into out/.
package: $(STAMP)
	@for s in $(SERVICES); do PATH=$(CURDIR)/$(VENV)/bin:$$PATH infra/package.sh $$s prod out/$$s || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
