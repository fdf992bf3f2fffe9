#!/usr/bin/env bash
# The classification-only install of docs/install.md, checked in a fresh venv in a temp dir:
# torch, mmcv-lite (no compiled ops), `pip install -e .` WITHOUT extras, then asserts that mmdet
# and mmcv's compiled ops are absent and runs the classification tests with `-m "not det"`.
#
#     bash tools/ci/cls_only_install.sh            # .ci/run runs it after `make test`
#
# Environment: PYTHON (default python3.11); MMML_CLS_KEEP=1 keeps the temp dir (printed);
# MMML_CLS_TESTS overrides the test paths (default: models, evaluation, datasets, inference API).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHON="${PYTHON:-python3.11}"
# the test subset: every classification module, metric, dataset and the inference API
TESTS="${MMML_CLS_TESTS:-tests/models tests/evaluation tests/datasets tests/apis/test_inference.py}"

log() { printf '\033[1;34m[cls_only %(%H:%M:%S)T]\033[0m %s\n' -1 "$*"; }

TMP="$(mktemp -d "${TMPDIR:-/tmp}/mmml_cls_only.XXXXXX")"
# `pip install -e .` writes mmml_plugin.egg-info into the checkout (git-ignored): removed again
# unless it was there before
EGG_INFO="$ROOT/mmml_plugin.egg-info"
[[ -e "$EGG_INFO" ]] && EGG_INFO=""
cleanup() {
    [[ -z "$EGG_INFO" ]] || rm -rf "$EGG_INFO"
    if [[ "${MMML_CLS_KEEP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
# nothing from another environment may leak in: only the venv's own site-packages
unset PYTHONPATH PYTHONHOME
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1
VENV="$TMP/venv"
PY="$VENV/bin/python"
PIP=("$PY" -m pip install -q)

log "fresh venv $VENV ($PYTHON)"
"$PYTHON" -m venv "$VENV"
log "torch==2.14.1 torchvision==0.29.1 (this machine's wheel store)"
"${PIP[@]}" "torch==2.14.1" "torchvision==0.29.1"
log "mmcv-lite==2.1.0, then the plugin: pip install -e . (no extras)"
"${PIP[@]}" "mmcv-lite==2.1.0"
"${PIP[@]}" -e "$ROOT"
log "test requirements (requirements/tests.txt)"
"${PIP[@]}" -r "$ROOT/requirements/tests.txt"

log "asserting: no mmdet, mmcv is mmcv-lite without compiled ops, the plugin from $ROOT"
"$PY" - "$ROOT" <<'PY'
import importlib.metadata as md
import importlib.util
import os.path as osp
import sys

root = sys.argv[1]
dists = {d.metadata['Name'].lower() for d in md.distributions()}
assert 'mmdet' not in dists and importlib.util.find_spec('mmdet') is None, \
    'mmdet is installed: `pip install -e .` must not pull it (it is the det extra)'
assert 'mmcv-lite' in dists and 'mmcv' not in dists, sorted(d for d in dists if 'mmcv' in d)
assert importlib.util.find_spec('mmcv._ext') is None, 'mmcv-lite has no compiled ops'
import mmml_plugin  # noqa: E402

assert osp.dirname(osp.dirname(osp.abspath(mmml_plugin.__file__))) == root, mmml_plugin.__file__
versions = {n: md.version(n) for n in ('torch', 'torchvision', 'mmcv-lite', 'mmengine',
                                       'mmpretrain', 'mmml_plugin')}
print(' '.join(f'{n} {v}' for n, v in versions.items()), '| mmdet: absent')
PY

cd "$ROOT"
log "selecting a det test without mmdet is a usage error naming the fix (not a skip)"
rc=0
out="$("$PY" -m pytest -p no:cacheprovider --collect-only -q \
    tests/evaluation/test_average_precision.py 2>&1)" || rc=$?
if [[ $rc != 4 || "$out" != *'pytest -m "not det"'* ]]; then
    printf '%s\n' "$out" | tail -5
    echo "expected pytest's usage error (exit 4) naming -m \"not det\", got exit $rc" >&2
    exit 1
fi

log "pytest -m 'not det' $TESTS"
# shellcheck disable=SC2086  # TESTS is a list of paths
"$PY" -m pytest -m "not det" -p no:cacheprovider $TESTS
log "done: the classification tests pass without mmdet"
