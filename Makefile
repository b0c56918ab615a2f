# The two commands of the README's quick start: `make demo` and `make test`.
PY := .venv/bin/python
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck unit bench bench-smoke clean

demo:
	@scripts/bootstrap.sh demo
	$(PY) -m softphone.demo

test:
	@scripts/bootstrap.sh test
	$(MAKE) --no-print-directory lint typecheck
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

lint:
	$(PY) -m ruff check softphone tests bench

typecheck:
	$(PY) -m mypy

unit:
	$(PY) -m pytest tests/unit -q

# Every bench/*.py benchmark (python -m bench finds them), one after the other; `make test`
# runs each in its --smoke mode (tests/integration/test_benchmarks.py).
bench:
	$(PY) -m bench

bench-smoke:
	$(PY) -m bench --smoke

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
