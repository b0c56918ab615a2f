# The two commands of the README's quick start: `make demo` and `make test`.
PY := .venv/bin/python
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck unit bench clean

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

bench:
	$(PY) bench/pbx_signalling.py
	$(PY) bench/rtp_relay.py
	$(PY) bench/client.py
	$(PY) bench/presence.py
	$(PY) bench/door.py
	$(PY) bench/conference.py

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
