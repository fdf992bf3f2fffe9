#!/usr/bin/env bash
# Build (or reuse) the project environment in .venv/ on a fresh x86_64 machine.
#
# Idempotent: a stamp file records the hash of this script and the requirement files; when it
# matches, nothing is done. The mmcv wheel (compiled ops, ~23 min on 2 cores) is built once and
# kept in a cache outside the repository ($MMML_CACHE_DIR, default ~/.cache/mmml_plugin), keyed by
# the torch version, because pip does not cache wheels built from a local folder.
# See docs/install.md for every pin.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3.11}"
TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0
CACHE="${MMML_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mmml_plugin}"
WHEELS="$CACHE/wheels/torch-$TORCH_VERSION-$(uname -m)"

log() { printf '\033[1;34m[setup_env]\033[0m %s\n' "$*"; }

STAMP_VALUE="$(cat "$0" "$ROOT"/requirements/*.txt "$ROOT/setup.py" "$ROOT/tools/misc/install_editable.py" \
    | sha256sum | cut -d' ' -f1)"
STAMP="$VENV/.mmml_env_stamp"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_VALUE" ]]; then
    log "environment $VENV is up to date"
    exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV with $PYTHON"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --no-input)
"${PIP[@]}" install -q --upgrade pip wheel "setuptools>=77,<82" ninja

log "installing torch==$TORCH_VERSION torchvision==$TORCHVISION_VERSION"
"${PIP[@]}" install -q "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"

shopt -s nullglob
mmcv_wheels=("$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl)
if (( ${#mmcv_wheels[@]} == 0 )); then
    log "building mmcv==$MMCV_VERSION with compiled ops (one-off, ~23 min on 2 cores) into $WHEELS"
    mkdir -p "$WHEELS"
    build="$(mktemp -d)"
    trap 'rm -rf "$build"' EXIT
    "${PIP[@]}" download -q --no-deps --no-binary :all: --no-build-isolation \
        -d "$build" "mmcv==$MMCV_VERSION"
    tar -xzf "$build"/mmcv-"$MMCV_VERSION".tar.gz -C "$build"
    src="$build/mmcv-$MMCV_VERSION"
    # torch >= 2.10 headers need C++20; mmcv 2.1.0 forces c++14/17.
    sed -i -E 's/-std=c\+\+1[47]/-std=c++20/g' "$src/setup.py"
    grep -q 'std=c++20' "$src/setup.py"
    MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "${PIP[@]}" wheel --no-deps --no-build-isolation -w "$build/dist" "$src"
    mv "$build"/dist/mmcv-*.whl "$WHEELS"/
    mmcv_wheels=("$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl)
fi
log "installing ${mmcv_wheels[0]##*/}"
"${PIP[@]}" install -q "${mmcv_wheels[0]}"

log "installing OpenMMLab stack (with the det extra: mmdet), export and test requirements"
"${PIP[@]}" install -q -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/det.txt" \
    -r "$ROOT/requirements/tests.txt" -r "$ROOT/requirements/export.txt"
"${PIP[@]}" install -q --no-deps -r "$ROOT/requirements/mim.txt"
# pip install --no-build-isolation --no-deps -e "$ROOT", plus the link mim needs to find the
# editable package's configs and tools (see the script's docstring)
"$VENV/bin/python" "$ROOT/tools/misc/install_editable.py"

"$VENV/bin/python" - <<'PY'
import mmcv, mmcv.ops, mmdet, mmpretrain, mmengine, torch, torchvision  # noqa: F401
import mmml_plugin
print(f"torch {torch.__version__} mmcv {mmcv.__version__} (ops ok) mmengine {mmengine.__version__} "
      f"mmpretrain {mmpretrain.__version__} mmdet {mmdet.__version__} mmml_plugin {mmml_plugin.__version__}")
PY
echo "$STAMP_VALUE" > "$STAMP"
log "done"
