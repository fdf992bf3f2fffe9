#!/usr/bin/env bash
# Download the wheels the GPU kit installs on a CUDA machine that has no network.
#
#   bash tools/gpu_kit/make_wheels.sh [WHEEL_DIR]      # default: tools/gpu_kit/wheels (git-ignored)
#
# The target machine (see docs/benchmarks.md, "GPU kit") has Python 3.12 with torch, torchvision,
# numpy, opencv(-headless), scikit-learn, scipy, matplotlib, pillow, pyyaml, rich, tqdm, einops,
# ... but not the OpenMMLab stack. This fetches, for CPython 3.12 on manylinux x86_64, exactly
# the packages below without their dependencies (--no-deps: torch, numpy & co. must stay the
# machine's own), then checks that every requirement of every wheel is either in the folder or
# in PROVIDED (the machine's packages), and fails naming what is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="${1:-$ROOT/tools/gpu_kit/wheels}"
PYTHON="${PYTHON:-python3}"
PY_VERSION="${PY_VERSION:-3.12}"

# The OpenMMLab stack (pins as in requirements/runtime.txt; mmcv-lite stands in for mmcv: no
# compiled ops, none needed by the classification path) and what it needs that the GPU image lacks.
PACKAGES=(
    mmengine==0.10.7
    mmcv-lite==2.1.0
    mmpretrain==1.2.0
    mmdet==3.3.0
    "pycocotools>=2.0.7"
    addict
    yapf
    platformdirs
    termcolor
    mat4py
    modelindex
    model-index
    ordered-set
    shapely
    terminaltables
    importlib-metadata
    lazy-importer
)
# On the GPU machine already (its image's package list): never shadow these with our copies.
PROVIDED="torch torchvision numpy opencv-python opencv-python-headless scikit-learn scipy
matplotlib pillow pyyaml rich tqdm einops markdown click packaging six regex setuptools
zipp pygments markdown-it-py mdurl typing-extensions tomli colorama tabulate
requests pandas"

mkdir -p "$DEST"
echo "[make_wheels] downloading ${#PACKAGES[@]} packages for CPython $PY_VERSION into $DEST"
"$PYTHON" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --python-version "$PY_VERSION" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform manylinux1_x86_64 \
    -d "$DEST" "${PACKAGES[@]}"

# Every requirement (markers evaluated for CPython $PY_VERSION on Linux, extras skipped) must be
# in the folder or PROVIDED; two versions of one package would stop the install.
PROVIDED="$PROVIDED" PY_VERSION="$PY_VERSION" "$PYTHON" - "$DEST" <<'PY'
import glob, os, re, sys, zipfile
from collections import Counter

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

dest = sys.argv[1]
env = default_environment()
env.update(python_version=os.environ['PY_VERSION'], python_full_version=os.environ['PY_VERSION'] + '.0',
           sys_platform='linux', platform_system='Linux', platform_machine='x86_64',
           implementation_name='cpython', platform_python_implementation='CPython')
wheels = sorted(glob.glob(os.path.join(dest, '*.whl')))
names = [canonicalize_name(parse_wheel_filename(os.path.basename(w))[0]) for w in wheels]
twice = [n for n, c in Counter(names).items() if c > 1]
if twice:
    sys.exit(f'[make_wheels] {dest}: several versions of {twice}; delete the folder and re-run.')
have = set(names) | {canonicalize_name(n) for n in os.environ['PROVIDED'].split()}
missing = {}
for wheel in wheels:
    with zipfile.ZipFile(wheel) as z:
        meta = next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))
        for line in z.read(meta).decode().splitlines():
            if not line.startswith('Requires-Dist:'):
                continue
            req = Requirement(line.split(':', 1)[1].strip())
            extra_free = dict(env, extra='')
            if req.marker is not None and not req.marker.evaluate(extra_free):
                continue
            name = canonicalize_name(req.name)
            if name == 'mmcv':  # mmcv-lite provides the `mmcv` package
                name = 'mmcv-lite'
            if name not in have:
                missing.setdefault(name, []).append(os.path.basename(wheel))
if missing:
    sys.exit('[make_wheels] requirements neither downloaded nor on the GPU machine: '
             + '; '.join(f'{k} (needed by {", ".join(v)})' for k, v in sorted(missing.items()))
             + '. Add them to PACKAGES (or PROVIDED if the machine has them).')
print(f'[make_wheels] {len(wheels)} wheels, every requirement met')
PY
du -sh "$DEST"
