#!/usr/bin/env bash
# The GPU kit: install the OpenMMLab wheels into OUT_DIR/site, then run the CUDA benchmark
# (tools/benchmarks/gpu_train.py, plain and channels_last) and the end-to-end AMP training
# (tools/gpu_kit/e2e_train.py), within about 8 minutes. Writes JSON and logs to OUT_DIR.
#
#   bash tools/gpu_kit/make_wheels.sh                 # once, on a machine with PyPI
#   bash tools/gpu_kit/run.sh OUT_DIR                 # on the CUDA machine (no network needed)
#   bash tools/gpu_kit/run.sh OUT_DIR --cpu-smoke     # the same steps, tiny, on the CPU (tests)
#
# Environment: PYTHON (default python3), WHEELS (default tools/gpu_kit/wheels),
# MMML_KIT_SKIP_INSTALL=1 to use the OpenMMLab stack already importable by $PYTHON.
# Outputs: OUT_DIR/{env.txt, install.log, gpu_train.{json,log}, gpu_train_channels_last.{json,log},
# e2e/e2e.json, e2e.log, summary.json}. Exit status: 0 when every step succeeded.
set -uo pipefail

if [[ $# -lt 1 || "$1" == -* ]]; then
    echo "usage: bash tools/gpu_kit/run.sh OUT_DIR [--cpu-smoke]" >&2
    exit 2
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mkdir -p "$1" && cd "$1" && pwd)"
SMOKE=0
[[ "${2:-}" == "--cpu-smoke" ]] && SMOKE=1
PYTHON="${PYTHON:-python3}"
WHEELS="${WHEELS:-$ROOT/tools/gpu_kit/wheels}"
START=$SECONDS

log() { printf '[gpu_kit %4ds] %s\n' "$((SECONDS - START))" "$*"; }

declare -A STATUS
step() {  # step NAME TIMEOUT_S LOG_FILE COMMAND...: run, record the exit status, never abort
    local name=$1 limit=$2 logfile=$3
    shift 3
    log "$name (limit ${limit}s) -> $logfile"
    timeout --kill-after=10 "$limit" "$@" >"$logfile" 2>&1
    STATUS[$name]=$?
    log "$name: exit ${STATUS[$name]}"
    tail -n 3 "$logfile"
}

{
    date -u
    nvidia-smi 2>&1 || echo "nvidia-smi: not available"
    "$PYTHON" -c 'import sys, torch; print(sys.version); print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())'
} >"$OUT/env.txt" 2>&1

if [[ "${MMML_KIT_SKIP_INSTALL:-0}" == 1 ]]; then
    log "install skipped (MMML_KIT_SKIP_INSTALL=1)"
    STATUS[install]=0
    export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
else
    if ! compgen -G "$WHEELS/*.whl" >/dev/null; then
        echo "no wheels in $WHEELS: run 'bash tools/gpu_kit/make_wheels.sh' on a machine with PyPI first" >&2
        exit 2
    fi
    # --no-deps: the machine's torch, numpy, opencv, ... stay as they are; mmcv-lite provides `mmcv`
    step install 180 "$OUT/install.log" "$PYTHON" -m pip install --no-index --no-deps --no-compile \
        --no-cache-dir --upgrade --target "$OUT/site" "$WHEELS"/*.whl
    export PYTHONPATH="$OUT/site:$ROOT${PYTHONPATH:+:$PYTHONPATH}"
fi
cd "$ROOT" || exit 2
step import 120 "$OUT/import.log" "$PYTHON" -c \
    'import mmengine, mmcv, mmpretrain, mmdet, mmml_plugin; print("mmengine", mmengine.__version__, "mmcv", mmcv.__version__, "mmpretrain", mmpretrain.__version__, "mmdet", mmdet.__version__, "mmml_plugin", mmml_plugin.__file__)'
if [[ ${STATUS[install]} != 0 || ${STATUS[import]} != 0 ]]; then
    log "FAILED: the OpenMMLab stack does not install or import; see $OUT/install.log, $OUT/import.log"
    exit 1
fi

if (( SMOKE )); then
    # every code path once (fp32 is also run for the logits reference and the FLOP count)
    TRAIN_ARGS=(--device cpu --image-size 64 --batch-sizes 1 --steps 1 --warmup 0
                --dtypes bf16 --threads 2)
    CL_ARGS=(--channels-last --device cpu --image-size 64 --batch-sizes 1 --steps 1 --warmup 0
             --dtypes fp32 --models baseline --threads 2)
    E2E_ARGS=(--device cpu --epochs 2 --num-train 32 --num-val 16 --runs baseline --no-fail
              --cfg-options train_dataloader.num_workers=0 train_dataloader.persistent_workers=False
              val_dataloader.num_workers=0 val_dataloader.persistent_workers=False
              test_dataloader.num_workers=0 test_dataloader.persistent_workers=False)
    LIMITS=(600 300 600)
else
    # 576 px, batch 4/16/32, fp32/fp16/bf16, SSGRL + baseline + literal head
    TRAIN_ARGS=(--time-budget 150)
    CL_ARGS=(--channels-last --batch-sizes 32 --dtypes bf16 fp16 --models baseline ssgrl
             --time-budget 45)
    E2E_ARGS=(--epochs 4)
    LIMITS=(190 80 150)
fi

step gpu_train "${LIMITS[0]}" "$OUT/gpu_train.log" "$PYTHON" tools/benchmarks/gpu_train.py \
    "${TRAIN_ARGS[@]}" --out "$OUT/gpu_train.json"
step gpu_train_channels_last "${LIMITS[1]}" "$OUT/gpu_train_channels_last.log" "$PYTHON" \
    tools/benchmarks/gpu_train.py "${CL_ARGS[@]}" --out "$OUT/gpu_train_channels_last.json"
step e2e "${LIMITS[2]}" "$OUT/e2e.log" "$PYTHON" tools/gpu_kit/e2e_train.py --out-dir "$OUT/e2e" \
    "${E2E_ARGS[@]}"

# summary.json: every step's exit status plus the JSON each wrote
STATUS_LINE=""
for k in "${!STATUS[@]}"; do STATUS_LINE+="$k=${STATUS[$k]} "; done
"$PYTHON" - "$OUT" "$((SECONDS - START))" "$SMOKE" $STATUS_LINE <<'PY'
import json, os, sys
out, seconds, smoke = sys.argv[1], int(sys.argv[2]), sys.argv[3] == '1'
status = dict(item.split('=') for item in sys.argv[4:])
summary = dict(seconds=seconds, cpu_smoke=smoke, status={k: int(v) for k, v in status.items()})
for key, path in (('gpu_train', 'gpu_train.json'),
                  ('gpu_train_channels_last', 'gpu_train_channels_last.json'),
                  ('e2e', 'e2e/e2e.json')):
    path = os.path.join(out, path)
    summary[key] = json.load(open(path)) if os.path.isfile(path) else None
with open(os.path.join(out, 'summary.json'), 'w') as f:
    json.dump(summary, f, indent=1)
print(json.dumps(dict(seconds=seconds, status=summary['status'])))
PY
for k in "${!STATUS[@]}"; do
    [[ "${STATUS[$k]}" == 0 ]] || { log "FAILED: $k"; exit 1; }
done
log "all steps passed; results in $OUT/summary.json"
