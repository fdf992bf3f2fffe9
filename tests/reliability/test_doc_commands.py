"""Issue 13, item 8: the commands of the docs run as written.

Every ``python tools/...`` command in ``docs/*.md`` names an existing script and only options
that script defines (read from its ``add_argument`` calls, no import). The cheap commands of
``docs/reliability.md`` (data preparation) are run verbatim (in this process, with their
``sys.argv``) in a temporary working directory,
after which every file the training commands' configs read must exist there.
"""
import os
import re
import runpy
import shlex
import sys
from pathlib import Path

import pytest
from reliability_helpers import REPO_ROOT

DOCS = sorted((REPO_ROOT / 'docs').glob('*.md'))
FENCE = re.compile(r'^```(?:shell|bash|sh)\n(.*?)^```', re.S | re.M)
CHEAP = ('tools/misc/make_demo_dataset.py', 'tools/misc/build_label_graph.py',
         'tools/misc/build_label_embeddings.py', 'tools/misc/check_images.py')


def commands(doc: Path):
    """The ``python tools/...`` commands of the shell blocks of ``doc``, continuation lines
    joined and comments dropped."""
    for block in FENCE.findall(doc.read_text()):
        for line in block.replace('\\\n', ' ').splitlines():
            line = line.split(' #')[0].strip()
            if line.startswith('python tools/'):
                yield shlex.split(line)


def _options(script: Path):
    return set(re.findall(r"""['"](--[\w-]+)['"]""", script.read_text()))


@pytest.mark.parametrize('doc', DOCS, ids=lambda p: p.name)
def test_doc_commands_name_existing_scripts_and_options(doc):
    problems = []
    for argv in commands(doc):
        script = REPO_ROOT / argv[1]
        if not script.is_file():
            problems.append(f'{argv[1]}: no such script')
            continue
        unknown = sorted({a.split('=')[0]
                          for a in argv[2:] if a.startswith('--')} - _options(script) - {'--help'})
        if unknown:
            problems.append(f'{" ".join(argv[:2])}: unknown options {unknown}')
    assert not problems, f'{doc.name}: {problems}'


def test_reliability_doc_commands_run_as_written(tmp_path, monkeypatch):
    cwd = tmp_path / 'clone'
    cwd.mkdir()
    for name in ('configs', 'tools'):
        os.symlink(REPO_ROOT / name, cwd / name)
    monkeypatch.chdir(cwd)
    argvs = list(commands(REPO_ROOT / 'docs' / 'reliability.md'))
    ran = 0
    for argv in argvs:
        if argv[1] in CHEAP:
            # `python SCRIPT ARGS` in this process (the tools' imports are already loaded)
            monkeypatch.setattr(sys, 'argv', argv[1:])
            try:
                runpy.run_path(argv[1], run_name='__main__')
            except SystemExit as e:
                assert e.code in (0, None), f'{" ".join(argv)} exited with {e.code}'
            ran += 1
    assert ran >= 3  # the demo data, its graph and its embeddings
    from mmml_plugin.apis import load_config
    trained = [argv[2] for argv in argvs if argv[1] == 'tools/train.py']
    assert trained
    for config in trained:
        cfg = load_config(str(cwd / config))
        needed = [cfg.model.head.get('graph_file'), cfg.model.head.get('embedding_file')]
        for loader in ('train_dataloader', 'val_dataloader'):
            dataset = cfg[loader].dataset
            needed.append(os.path.join(dataset.data_root, dataset.ann_file))
        missing = [p for p in needed if p and not (cwd / p).is_file()]
        assert not missing, f'{config} as written in docs/reliability.md reads {missing}'
