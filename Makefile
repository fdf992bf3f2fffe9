# The two commands of the README: `make demo` and `make test`. Both build .venv/ first when it is
# missing or stale (tools/setup_env.sh is idempotent and returns at once when up to date).
PY := .venv/bin/python
WORK_DIR ?= work_dirs/demo

.PHONY: env demo test lint format bench

env:
	bash tools/setup_env.sh

demo: env
	$(PY) tools/run_demo.py --work-dir $(WORK_DIR)

test: env
	$(PY) -m pytest tests

# flake8, isort and yapf with the settings of setup.cfg (CI runs it before the tests);
# `make format` rewrites the files in place.
LINT_PATHS := mmml_plugin tools tests configs setup.py
lint: env
	$(PY) -m flake8 $(LINT_PATHS)
	$(PY) -m isort --check-only --diff $(LINT_PATHS)
	$(PY) -m yapf --diff --recursive $(LINT_PATHS)

format: env
	$(PY) -m isort $(LINT_PATHS)
	$(PY) -m yapf --in-place --recursive $(LINT_PATHS)

# gpu_train.py is for CUDA machines (tools/gpu_kit/run.sh, docs/benchmarks.md "GPU kit")
bench: env
	@for b in tools/benchmarks/*.py; do \
		case $$b in *gpu_train.py|*/_*) continue;; esac; $(PY) $$b || exit 1; done
