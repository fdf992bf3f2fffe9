"""The commands of ``README.md`` and ``docs/`` run as written, and the docs agree with the configs.

- Every fenced command is either run, verbatim, on a tiny clone in the documented layout
  (``doc_tree.py``: COCO-2014 and VOCdevkit trees of a few 40x32 images; the demo data and the
  label files are made by the docs' own commands, in the order of the docs, preparation first),
  or listed in ``doc_commands.NOT_RUN`` with its reason. Training and test commands get
  ``--cfg-options`` that only make them small (64 px inputs, one batch per split, one epoch,
  no worker processes, no backbone download); a local initialisation file stays as the config
  names it, so a file the docs never make fails the run.
- Commands not run still name existing scripts, options those scripts define, and existing
  configs whose ``--cfg-options`` keys exist.
- ``docs/configs.md`` has one table naming every config; the layouts drawn in
  ``docs/data_preparation.md`` and ``docs/getting_started.md`` hold the files the configs read;
  every data path of every config follows ``--cfg-options data_root=...``.
"""
import contextlib
import importlib.util
import io
import os
import re
import runpy
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import pytest
from doc_commands import NOT_RUN, REPO_ROOT, argv_of, commands, doc_files, fenced_blocks
from doc_tree import STAND_INS, make_doc_clone

CONFIGS = sorted(
    str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / 'configs').rglob('*.py')
    if '_base_' not in p.parts)
# input sizes of the shrunk runs (R-101: a 2x2 feature map, which SSGRL's 2x2 pooling needs)
SMALL = {
    'RandomSquareCropResize': dict(scale=72, crop_sizes=[72, 64], out_size=64),
    'Resize': dict(scale=(72, 72)),
    'CenterCrop': dict(crop_size=64),
}
TOOLS_IN_PROCESS = ('tools/train.py', 'tools/test.py', 'tools/image_demo.py')


def all_commands():
    """``(doc, command)`` for every command of the docs, in running order."""
    return [(doc, c) for doc in doc_files() for c in commands(doc)]


def _script(argv):
    """The ``tools/...`` script a command runs (after env assignments and the interpreter)."""
    return next((w for w in argv if w.startswith('tools/')), None)


def _defined_options(script: Path):
    return set(re.findall(r"""['"](--[\w-]+)['"]""", script.read_text()))


def _cfg_options(argv):
    """The ``KEY=VALUE`` words after ``--cfg-options``."""
    if '--cfg-options' not in argv:
        return []
    words = []
    for w in argv[argv.index('--cfg-options') + 1:]:
        if w.startswith('--'):
            break
        words.append(w)
    return words


def _value(v):
    if v is None:
        return 'None'
    if isinstance(v, (list, tuple)):
        inner = ','.join(_value(x) for x in v)
        return f'[{inner}]' if isinstance(v, list) else f'({inner})'
    return str(v)


def shrink_options(config: str, doc_options=()):
    """``--cfg-options`` words that make a run of ``config`` small and offline, nothing else."""
    from mmml_plugin.apis import load_config
    options = dict(w.split('=', 1) for w in doc_options)
    cfg = load_config(config)
    opts = {'train_cfg.max_epochs': 1, 'default_hooks.logger.interval': 1}
    init = cfg.model.get('backbone', {}).get('init_cfg') or {}
    if '://' in str(init.get('checkpoint', '')):
        opts['model.backbone.init_cfg'] = None  # a download; local files stay as documented
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if not cfg.get(loader):
            continue
        opts.update({
            f'{loader}.batch_size': 64,
            f'{loader}.num_workers': 0,
            f'{loader}.persistent_workers': False
        })
        path, dataset = f'{loader}.dataset', cfg[loader].dataset
        while 'pipeline' not in dataset and 'dataset' in dataset:
            path, dataset = path + '.dataset', dataset.dataset
        for i, transform in enumerate(dataset.get('pipeline', [])):
            for key, v in SMALL.get(transform['type'], {}).items():
                opts[f'{path}.pipeline.{i}.{key}'] = v
    return [f'{k}={_value(v)}' for k, v in opts.items() if k not in options]


def _with_shrink(argv):
    script = _script(argv)
    if script not in ('tools/train.py', 'tools/test.py'):
        return argv
    i = argv.index(script)
    small = shrink_options(argv[i + 1], _cfg_options(argv))
    if '--cfg-options' in argv:
        j = argv.index('--cfg-options') + 1
        return argv[:j] + small + argv[j:]  # the doc's own values come last and win
    return argv + ['--cfg-options'] + small


_last_start = [0.0]


def run_tool(argv):
    """Run ``python tools/X.py ...`` in this process (the stack is imported once)."""
    # mmengine names a run's logger and visualizer by config name and second: never two alike
    time.sleep(max(0.0, 1.05 - (time.time() - _last_start[0])))
    _last_start[0] = time.time()
    script = _script(argv)
    old = sys.argv
    sys.argv = [script] + argv[argv.index(script) + 1:]
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit as e:
        if e.code not in (0, None):
            raise RuntimeError(f'exited with {e.code}')
    finally:
        sys.argv = old


def run_shell(command, clone):
    """Run a command with ``bash`` in the clone, ``python`` being this interpreter."""
    shim = clone / '.bin'
    if not shim.exists():  # a script, not a link: a venv's python finds its venv by its path
        shim.mkdir()
        (shim / 'python').write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        (shim / 'python').chmod(0o755)
    env = dict(os.environ, PATH=f'{shim}{os.pathsep}{os.environ["PATH"]}')
    proc = subprocess.run(['bash', '-c', command],
                          cwd=clone,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=300)
    if proc.returncode:
        raise RuntimeError(f'exit {proc.returncode}: {(proc.stdout + proc.stderr)[-2000:]}')


# The stand-ins of doc_tree.STAND_INS that are outputs of runs the tests do not make.
def _make_demo_outputs(clone):
    """What `make demo` leaves that getting_started's inference examples read: the demo data
    and an SSGRL checkpoint named as the demo's last epoch (here a 12-batch run)."""
    from mmml_plugin.datasets.demo_data import prepare_demo_data
    prepare_demo_data('work_dirs/demo/data', num_train=16, num_val=4)
    config = 'configs/demo/ssgrl_r18_demo.py'
    options = ['data_root=work_dirs/demo/data/', 'model.backbone.init_cfg=None']
    run_tool([
        'python', 'tools/train.py', config, '--work-dir', 'work_dirs/demo/ssgrl', '--no-validate',
        '--cfg-options', *shrink_options(config, options), *options, 'train_cfg.max_epochs=12',
        'default_hooks.checkpoint.interval=12'
    ])


def _copy_dump(name):

    def make(clone):
        shutil.copy('work_dirs/ssgrl_coco/preds.npz', name)

    return make


MAKERS = {
    'glove.840B.300d.txt': None,  # written with the clone
    'work_dirs/demo/ssgrl/epoch_12.pth': _make_demo_outputs,
    'ssgrl_preds.npz': _copy_dump('ssgrl_preds.npz'),
    'baseline_preds.npz': _copy_dump('baseline_preds.npz'),
}


@pytest.fixture(scope='module')
def ran(tmp_path_factory):
    """Every command not in NOT_RUN, run once in order on one clone: {command: error or None}."""
    clone = make_doc_clone(tmp_path_factory.mktemp('docs') / 'clone')
    results, old_cwd = {}, os.getcwd()
    os.chdir(clone)
    try:
        for doc, command in all_commands():
            if command in NOT_RUN or command in results:
                continue
            argv = argv_of(command)
            cpu = time.process_time()
            try:
                for path, make in MAKERS.items():
                    if make and path in command and not os.path.exists(path):
                        make(clone)
                if _script(argv) and argv[0] == 'python' and (
                        _script(argv) in TOOLS_IN_PROCESS or _script(argv).startswith(
                            ('tools/misc/', 'tools/analysis_tools/'))):
                    run_tool(_with_shrink(argv))
                else:
                    run_shell(command, clone)
                results[command] = None
            except Exception as e:  # noqa: B902  (reported with the command below)
                tail = ''.join(traceback.format_exception(e)[-3:])
                results[command] = f'{doc}: {command}\n    -> {tail}'
            print(f'[doc command] {time.process_time() - cpu:7.2f} s CPU: {command}')
    finally:
        os.chdir(old_cwd)
    return clone, results


def test_every_doc_command_is_run_or_listed_with_a_reason():
    found = {c for _, c in all_commands()}
    stale = sorted(set(NOT_RUN) - found)
    assert not stale, f'NOT_RUN lists commands no doc has any more: {stale}'
    assert set(MAKERS) == set(STAND_INS)
    for command, reason in NOT_RUN.items():
        assert reason and len(reason) > 10, command


def test_runnable_doc_commands_run_as_written(ran):
    clone, results = ran
    assert len(results) >= 30
    failed = [e for e in results.values() if e]
    assert not failed, '\n'.join(failed)


def test_doc_commands_leave_the_files_the_docs_describe(ran):
    clone, results = ran
    assert not any(results.values())
    # tools/test.py --out: predictions as .npz (default), metrics as JSON (--out-item metrics)
    with np.load(clone / 'work_dirs/ssgrl_coco/preds.npz', allow_pickle=False) as dump:
        assert dump['scores'].shape[1] == 80
    assert '"metrics"' in (clone / 'work_dirs/ssgrl_coco/results.json').read_text()
    for png in ('ap.png', 'pr.png', 'graph.png', 'curves.png', 'compare.png'):
        assert (clone / png).stat().st_size > 0, png
    assert '|' in (clone / 'table.md').read_text()
    assert list((clone / 'demo_out').glob('*_attention.png'))
    assert list((clone / 'demo_preds').glob('*.json'))
    devkit = clone / 'work_dirs/ssgrl_r101_1xb4_voc12-576px/voc_devkit_results/results/VOC2012/Main'
    assert len(list(devkit.glob('comp1_cls_test_*.txt'))) == 20
    assert (clone / 'data/coco/holdout_train2014_10pct_seed0.txt').is_file()


@pytest.mark.parametrize('doc', doc_files())
def test_doc_commands_name_existing_scripts_configs_and_options(doc):
    """Also for the commands that are not run: scripts, options, configs and config keys."""
    from mmml_plugin.apis import load_config
    problems = []
    for command in commands(doc):
        argv = argv_of(command)
        for word in argv:
            if re.fullmatch(r'configs/\S+\.py', word) and not (REPO_ROOT / word).is_file():
                problems.append(f'{command}: no config {word}')
        script = _script(argv)
        if not script or not script.endswith('.py'):
            continue
        if not (REPO_ROOT / script).is_file():
            problems.append(f'{script}: no such script')
            continue
        unknown = sorted(
            {a.split('=')[0]
             for a in argv[argv.index(script) + 1:] if a.startswith('--')} -
            _defined_options(REPO_ROOT / script) - {'--help'})
        if unknown:
            problems.append(f'{script}: unknown options {unknown}')
        config = argv[argv.index(script) + 1] if len(argv) > argv.index(script) + 1 else ''
        if config.startswith('configs/') and (REPO_ROOT / config).is_file():
            cfg = load_config(str(REPO_ROOT / config))
            for key in (w.split('=')[0] for w in _cfg_options(argv)):
                parent = cfg.to_dict()
                for part in key.split('.')[:-1]:
                    parent = parent.get(part) if isinstance(parent, dict) else None
                if not isinstance(parent, dict) or key.split('.')[-1] not in parent:
                    problems.append(f'{command}: {config} has no {key}')
    assert not problems, f'{doc}: {problems}'


def test_not_run_tool_commands_parse():
    """The argument parser of each tool accepts the commands that are not run (placeholders
    such as CONFIG stand for any path)."""
    for command in NOT_RUN:
        argv = argv_of(command)
        script = _script(argv)
        if not script or not script.endswith('.py') or argv[0] not in ('python', 'srun'):
            continue
        spec = importlib.util.spec_from_file_location('doc_tool', REPO_ROOT / script)
        tool = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tool)
        if not hasattr(tool, 'parse_args'):
            continue  # a benchmark parsing in main(): its option names are checked above
        old, sys.argv = sys.argv, [script] + argv[argv.index(script) + 1:]
        with contextlib.redirect_stderr(io.StringIO()) as err:
            try:
                tool.parse_args()  # from sys.argv, whatever the tool's signature
            except SystemExit:
                pytest.fail(f'{command}: {err.getvalue()}')
            finally:
                sys.argv = old


def test_config_table_names_every_config_once():
    text = (REPO_ROOT / 'docs/configs.md').read_text()
    tables = [b for b in re.split(r'\n\s*\n', text) if b.lstrip().startswith('| config |')]
    assert len(tables) == 1, 'docs/configs.md must have one table of the configs'
    named = re.findall(r'^\| `(configs/[^`]+\.py)` \|', tables[0], re.M)
    assert sorted(named) == sorted(set(named)), 'a config is named twice'
    missing = sorted(set(CONFIGS) - set(named))
    assert not missing, f'docs/configs.md does not list {missing}'
    absent = [c for c in named if not (REPO_ROOT / c).is_file()]
    assert not absent, f'docs/configs.md lists configs that do not exist: {absent}'


def _strings(node, path=''):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, f'{path}.{k}')
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from _strings(v, f'{path}.{i}')
    elif isinstance(node, str):
        yield path.lstrip('.'), node


@pytest.mark.parametrize('config', CONFIGS)
def test_every_data_path_follows_data_root(config):
    from mmml_plugin.apis import load_config
    cfg = load_config(str(REPO_ROOT / config), {'data_root': '/elsewhere/'})
    stuck = [(k, v) for k, v in _strings(cfg.to_dict()) if v.startswith('data/')]
    assert not stuck, f'{config}: not moved by data_root=/elsewhere/: {stuck}'


def _read_paths(cfg):
    """The data files a config reads: label files and every dataset's index file."""
    paths = [v for k, v in _strings(cfg.model.to_dict()) if v.startswith('data/')]

    def datasets(d):
        if isinstance(d, dict):
            if 'data_root' in d:
                yield d
            for v in d.values():
                yield from datasets(v)
        elif isinstance(d, (list, tuple)):
            for v in d:
                yield from datasets(v)

    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for d in datasets((cfg.get(loader) or {}).get('dataset')):
            if d.get('ann_file'):
                paths.append(os.path.join(d['data_root'], d['ann_file']))
            elif d.get('split'):  # mmpretrain's VOC
                paths.append(os.path.join(d['data_root'], 'ImageSets/Main', d['split'] + '.txt'))
            if d.get('image_list'):
                paths.append(d['image_list'])
    return paths


def layout_paths(doc):
    """The paths drawn in the ``text`` tree blocks of ``doc`` that start at ``data/``:
    ``{a,b}`` and ``a, b`` expanded, comments dropped."""
    paths = set()
    for lang, block in fenced_blocks((REPO_ROOT / doc).read_text()):
        lines = block.splitlines()
        if lang != 'text' or not lines or lines[0].strip() != 'data/':
            continue
        stack = ['data']
        for line in lines[1:]:
            m = re.match(r'^((?:[│ ] {3})*)[├└]── (.*)$', line)
            if not m:
                continue
            depth = len(m.group(1)) // 4 + 1
            entry = re.split(r'\s{2,}|\s+(?:#|<-|\()', m.group(2).strip())[0]
            stack = stack[:depth]
            first, *rest = [e.strip() for e in entry.split(', ')]
            parent = '/'.join(stack)
            names = [first] + [os.path.join(os.path.dirname(first), r) for r in rest]
            for name in names:
                brace = re.match(r'(.*)\{(.*)\}(.*)', name)
                for part in (
                    [brace.group(1) + b + brace.group(3)
                     for b in brace.group(2).split(',')] if brace else [name]):
                    paths.add(f'{parent}/{part}'.rstrip('/').replace('//', '/'))
            stack.append(first.rstrip('/').split('/')[0] if '{' in first else first.rstrip('/'))
    return paths


def _covered(path, drawn):
    """A label file (.npz) or image list must be drawn; an index file may sit in a drawn
    folder (``VOC2007/ImageSets/Main``)."""
    if path in drawn:
        return True
    return not path.endswith(('.npz', '_seed0.txt')) and os.path.dirname(path) in drawn


def test_data_preparation_layout_holds_every_file_the_configs_read():
    from mmml_plugin.apis import load_config
    drawn = layout_paths('docs/data_preparation.md')
    assert 'data/voc/VOC2007/ImageSets/Main' in drawn  # the parser reads the drawing
    problems = []
    for config in CONFIGS:
        if config.startswith(('configs/demo/', 'configs/own_data/')):
            continue  # made by the commands run above; docs/own_data.md draws its own layout
        cfg = load_config(str(REPO_ROOT / config))
        problems += [f'{config}: {p}' for p in _read_paths(cfg) if not _covered(p, drawn)]
    assert not problems, 'docs/data_preparation.md does not show where these go:\n' + '\n'.join(
        problems)


def test_getting_started_layout_files_are_read_by_the_configs():
    from mmml_plugin.apis import load_config
    read = set()
    for config in CONFIGS:
        read.update(_read_paths(load_config(str(REPO_ROOT / config))))
    drawn = layout_paths('docs/getting_started.md')
    assert drawn
    stray = sorted(p for p in drawn if p.endswith(('.npz', '.json')) and p not in read)
    assert not stray, f'docs/getting_started.md puts files where no config reads them: {stray}'
