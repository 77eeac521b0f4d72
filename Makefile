# The two commands a newcomer needs: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
VENV := .venv
PYTHON := $(VENV)/bin/python

.PHONY: run test install admin check-infra migrate lint format bench bench-gateway bench-events \
	bench-identity bench-notification bench-notification-render bench-payment bench-receipts \
	bench-records-binding bench-records-archive bench-records-import bench-reports-verify \
	bench-report-documents bench-certificate-documents bench-certification-queue \
	bench-degree-export bench-certification-workflow bench-photo-validation clean

## install: create the virtual environment and install the whole workspace from uv.lock,
## compiled to bytecode (where PYTHONDONTWRITEBYTECODE is set, as on our CI machines, every
## process would otherwise compile each module it imports: about 2.4 s of each service's start)
## (and, when running as root with apt-get, the Debian tools tests and benchmarks use:
## chromium for pages, a Chinese font for it, poppler-utils for PDFs, wrk for HTTP benchmarks)
install:
	@command -v uv >/dev/null 2>&1 || test -x "$(UV)" || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --all-packages --quiet --compile-bytecode
	@$(PYTHON) -m compileall -q -j 0 libs/common/src gateway/src $(wildcard services/*/src) >/dev/null
	@for need in chromium:chromium pdftoppm:poppler-utils wrk:wrk fc-list:fonts-wqy-microhei; do \
		command=$${need%%:*}; package=$${need#*:}; \
		present=$$(command -v $$command); \
		if [ "$$package" = fonts-wqy-microhei ]; then \
			present=$$(fc-list :lang=zh 2>/dev/null | head -1); fi; \
		if [ -z "$$present" ] && command -v apt-get >/dev/null 2>&1 \
			&& [ "$$(id -u)" = 0 ]; then \
			echo "installing $$package (tests and benchmarks use $$command)"; \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get install -y -qq $$package >/dev/null 2>&1 \
				|| { apt-get update -qq && apt-get install -y -qq $$package >/dev/null; }; \
		fi; \
	done

## run: install, check PostgreSQL and RabbitMQ, migrate, start all six processes (Ctrl-C stops)
run: install
	@$(VENV)/bin/educert-platform run

## test: install, check PostgreSQL and RabbitMQ, run the whole suite against them
test: install
	@$(VENV)/bin/educert-platform check
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(PYTHON) -m pytest $(PYTEST_ARGS)

## admin: the first admin (make admin ADMIN_EMAIL=you@example.com [ADMIN_USERNAME=admin] [FORCE=1])
admin: install
	@test -n "$(ADMIN_EMAIL)" || { echo "usage: make admin ADMIN_EMAIL=you@example.com [ADMIN_USERNAME=admin] [FORCE=1]" >&2; exit 2; }
	@EDUCERT_ENVIRONMENT=$${EDUCERT_ENVIRONMENT:-development} $(VENV)/bin/educert-admin create-admin --email "$(ADMIN_EMAIL)" --username "$(or $(ADMIN_USERNAME),admin)" $(if $(FORCE),--force)

check-infra: install
	@$(VENV)/bin/educert-platform check

migrate: install
	@EDUCERT_ENVIRONMENT=$${EDUCERT_ENVIRONMENT:-development} $(VENV)/bin/educert-migrate

lint: install
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

format: install
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

bench-gateway: install
	@$(PYTHON) bench/gateway_hop.py

bench-events: install
	@$(PYTHON) bench/event_path.py

bench-identity: install
	@$(PYTHON) bench/identity_login.py

bench-notification: install
	@$(PYTHON) bench/notification_delivery.py

bench-notification-render: install
	@$(PYTHON) bench/notification_render.py

bench-payment: install
	@$(PYTHON) bench/payment_flow.py

bench-receipts: install
	@$(PYTHON) bench/receipt_pdf.py

bench-records-binding: install
	@$(PYTHON) bench/records_binding.py

bench-records-archive: install
	@$(PYTHON) bench/records_archive.py

bench-records-import: install
	@$(PYTHON) bench/records_import.py $(BENCH_ARGS)

bench-reports-verify: install
	@$(PYTHON) bench/reports_verify.py $(BENCH_ARGS)

bench-report-documents: install
	@$(PYTHON) bench/report_documents.py $(BENCH_ARGS)

bench-certificate-documents: install
	@$(PYTHON) bench/certificate_documents.py $(BENCH_ARGS)

bench-certification-queue: install
	@$(PYTHON) bench/certification_queue.py $(BENCH_ARGS)

bench-degree-export: install
	@$(PYTHON) bench/degree_export.py $(BENCH_ARGS)

bench-photo-validation: install
	@$(PYTHON) bench/photo_validation.py $(BENCH_ARGS)

bench-certification-workflow: install
	@$(PYTHON) bench/certification_workflow.py $(BENCH_ARGS)

## bench: every benchmark, one after the other (several minutes; results in bench/results/)
bench: bench-gateway bench-events bench-identity bench-notification bench-notification-render \
	bench-payment bench-receipts bench-records-binding bench-records-archive bench-records-import \
	bench-reports-verify bench-report-documents bench-certificate-documents \
	bench-certification-queue bench-degree-export bench-certification-workflow \
	bench-photo-validation

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
