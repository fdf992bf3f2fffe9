# The two commands of the README: `make demo` and `make test`. Both build .venv/ first when it is
# missing or stale (tools/setup_env.sh is idempotent and returns at once when up to date).
PY := .venv/bin/python
WORK_DIR ?= work_dirs/demo

.PHONY: env demo test bench

env:
	bash tools/setup_env.sh

demo: env
	$(PY) tools/run_demo.py --work-dir $(WORK_DIR)

test: env
	$(PY) -m pytest tests

# gpu_train.py is for CUDA machines (tools/gpu_kit/run.sh, docs/benchmarks.md "GPU kit")
bench: env
	@for b in tools/benchmarks/*.py; do \
		case $$b in *gpu_train.py) continue;; esac; $(PY) $$b || exit 1; done
