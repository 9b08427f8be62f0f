# Convenience targets; the scripts are the source of truth (a fresh machine may lack make).
.PHONY: bootstrap demo test lint up down doctor

bootstrap:
	bash scripts/bootstrap.sh

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

lint: bootstrap
	.venv/bin/ruff check hrdpg plpython tests alembic bench
	.venv/bin/mypy

up: bootstrap
	.venv/bin/hrdpg db up && .venv/bin/hrdpg db migrate

down:
	.venv/bin/hrdpg db down

doctor:
	.venv/bin/hrdpg db doctor
