# Entry points. `make test` and `make demo` set up everything on a fresh machine (npm ci, Go tools via the
# cache, services they start) and stop what they started.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help install lock tools build lint typecheck unit test up down status demo chaos bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: ## npm ci (exact lockfile)
	npm ci --no-audit --no-fund

# The lockfile must name every platform's optional packages with a version: npm 11.19 `npm ci` fails with
# "Invalid Version" on the version-less placeholders npm 11.13 used to write, and with "Missing … from lock
# file" when they are left out.
lock: ## regenerate package-lock.json after changing dependencies
	npm install --package-lock-only --no-audit --no-fund

tools: ## build the Temporal CLI, VersityGW and Toxiproxy into the tool cache (once)
	scripts/ensure-tools.sh >/dev/null

build: ## compile TypeScript to lib/
	npm run build

lint: ## ESLint and Prettier
	npm run lint

typecheck: ## tsc --noEmit over src and test
	npm run typecheck

unit: ## unit tests only (no services)
	npx jest --selectProjects unit

test: install tools build lint typecheck ## everything: lint, typecheck, unit + integration tests on a test stack it starts and stops
	scripts/test.sh

up: tools ## start the dev stack (Temporal + UI :8233, VersityGW :7070, PostgreSQL check)
	scripts/stack.sh up

down: ## stop the dev stack
	scripts/stack.sh down

status: ## show the dev stack
	scripts/stack.sh status

demo: install tools build ## dev stack + 20,000 Anchore documents in PostgreSQL, migrated to S3 by two workers, read back
	scripts/demo.sh

chaos: install tools build ## 50,000-document db → s3 migration under worker kills, Temporal/S3 restarts, pg_terminate, TCP cuts, an Anchore-like writer (≤ 25 min)
	CHAOS_DOCS=50000 scripts/test.sh --selectProjects chaos

bench: install tools build ## ceiling, old way, db→s3, s3→s3 vs rclone, memory, plan side by side → bench/results/ (long)
	npm run bench
