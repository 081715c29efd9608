# Portail Familles — the two commands: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
SERVICES := accounts enrolment planning notifications

.PHONY: run test install chromium axe lint unit browser package bench bench-artifacts deploy deploy-check checkov redrive replay clean

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

# axe-core from the npm registry, injected by the browser tests into the portal's pages (accessibility).
AXE_VERSION := 4.14.1
AXE := .cache/axe/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE):
	npm install --prefix .cache/axe --no-audit --no-fund --silent axe-core@$(AXE_VERSION)

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
	$(VENV)/bin/mypy
	$(VENV)/bin/cfn-lint infra/template.yaml infra/web.yaml

test: $(STAMP) chromium axe lint
	$(PY) -m pytest -n 2 --dist loadfile -q

unit: $(STAMP)
	$(PY) -m pytest -q --ignore=tests/web

browser: $(STAMP) chromium axe
	$(PY) -m pytest -q tests/web

# Speed and DynamoDB request counts (figures in benchmarks/README.md); never part of `make test`.
bench: $(STAMP)
	$(PY) -m benchmarks.planning_year
	$(PY) -m benchmarks.committee_5000
	$(PY) -m benchmarks.opening_day

# Cold start and peak memory of every Lambda function, from its artifact (benchmarks/README.md).
bench-artifacts: $(STAMP)
	$(PY) -m benchmarks.cold_start

# Packages each service for AWS Lambda python3.12 (manylinux wheels, hardened SAM template) into out/.
package: $(STAMP)
	$(PY) -m infra.artifacts --stage $(or $(STAGE),prod) --out out

# Deploys a stage (infra/stages.yaml): shared stack, four services, the portal on S3 + CloudFront.
STAGE ?= prod
deploy: $(STAMP) checkov
	PATH=$(CURDIR)/.cache/checkov/bin:$$PATH $(PY) -m infra.deploy --stage $(STAGE)

# Builds, lints (cfn-lint, checkov) and prints the exact AWS calls `make deploy` would make; calls none.
deploy-check: $(STAMP) checkov
	PATH=$(CURDIR)/.cache/checkov/bin:$$PATH $(PY) -m infra.deploy --stage $(STAGE) --check

# checkov in a virtualenv of its own (its dependencies' pins differ from the project's).
CHECKOV_VERSION := 3.3.30
checkov: .cache/checkov/bin/checkov
.cache/checkov/bin/checkov:
	$(PYTHON) -m venv .cache/checkov
	.cache/checkov/bin/pip install --quiet checkov==$(CHECKOV_VERSION)

# Moves a consumer's dead-letter messages back to its queue: make redrive QUEUE=notifications STAGE=prod
redrive: $(STAMP)
	$(PY) -m infra.ops redrive $(QUEUE) --stage $(STAGE)

# Publishes a service's pending outbox entries now: make replay SERVICE=planning STAGE=prod
replay: $(STAMP)
	$(PY) -m infra.ops replay $(SERVICE) --stage $(STAGE)

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .mypy_cache .cache
