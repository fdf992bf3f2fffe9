"""Expected user errors in ``tools/train.py`` and ``tools/test.py`` print one clear message and
exit with status 1, without a traceback (``--debug`` shows it): ``--amp`` without a GPU, a
missing backbone checkpoint, a download without network, a missing checkpoint to test, a bad
image met in a dataloader worker. A bug keeps its traceback."""
import subprocess
import sys
from urllib.error import URLError

import pytest
import torch

from mmml_plugin.utils.cli import exit_on_user_error, user_error_message

DEMO_CONFIG = 'configs/demo/resnet18_demo.py'


def _run(repo_root, tool, *args, cwd):
    proc = subprocess.run(
        [sys.executable, str(repo_root / 'tools' / tool), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600)
    return proc.returncode, proc.stdout + proc.stderr


def _options(demo_data, random_init=True):
    """Point the demo config at the fixture's data; one epoch, no dataloader workers; without
    ``random_init`` the backbone loads the config's checkpoint."""
    options = {'data_root': demo_data['data_root'].rstrip('/') + '/', 'train_cfg.max_epochs': 1}
    if random_init:
        options['model.backbone.init_cfg'] = None
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options[f'{loader}.num_workers'] = 0
        options[f'{loader}.persistent_workers'] = False
    return ['--cfg-options', *[f'{k}={v}' for k, v in options.items()]]


def _one_message(code, out, tool, text):
    assert code == 1, out[-3000:]
    assert 'Traceback' not in out, out[-3000:]
    assert f'{tool}: error: ' in out and text in out, out[-3000:]
    assert '--debug' in out


@pytest.mark.skipif(torch.cuda.is_available(), reason='--amp is refused only without a GPU')
def test_amp_on_cpu_is_one_message_and_debug_shows_the_traceback(repo_root, demo_data, tmp_path):
    args = (repo_root / DEMO_CONFIG, '--work-dir', tmp_path / 'w', '--amp', *_options(demo_data))
    code, out = _run(repo_root, 'train.py', *args, cwd=tmp_path)
    _one_message(code, out, 'train.py', '--amp needs a CUDA GPU')
    code, out = _run(repo_root, 'train.py', *args, '--debug', cwd=tmp_path)
    assert code == 1 and 'Traceback' in out and 'RuntimeError: --amp needs a CUDA GPU' in out


def test_missing_backbone_file_says_how_to_start_without_it(repo_root, demo_data, tmp_path):
    options = _options(demo_data, random_init=False)
    code, out = _run(repo_root,
                     'train.py',
                     repo_root / DEMO_CONFIG,
                     '--work-dir',
                     tmp_path / 'w',
                     *options,
                     cwd=tmp_path)
    _one_message(code, out, 'train.py', 'model.backbone.init_cfg=None')
    assert 'digits_pretrained_r18.pth' in out


def test_offline_download_says_where_to_put_the_file(repo_root, demo_data, tmp_path):
    url = 'http://127.0.0.1:9/resnet50_weights.pth'  # nothing listens on the discard port
    code, out = _run(repo_root,
                     'train.py',
                     repo_root / DEMO_CONFIG,
                     '--work-dir',
                     tmp_path / 'w',
                     *_options(demo_data, random_init=False),
                     f'model.backbone.init_cfg.checkpoint={url}',
                     cwd=tmp_path)
    _one_message(code, out, 'train.py', f'cannot download {url}')
    assert 'checkpoints/resnet50_weights.pth' in out and 'init_cfg=None' in out


def test_missing_checkpoint_to_test(repo_root, demo_data, tmp_path):
    code, out = _run(repo_root,
                     'test.py',
                     repo_root / DEMO_CONFIG,
                     tmp_path / 'nope.pth',
                     *_options(demo_data),
                     cwd=tmp_path)
    _one_message(code, out, 'test.py', 'nope.pth: checkpoint not found')


def test_a_worker_error_keeps_only_its_message():
    from mmml_plugin.datasets.transforms.loading import BadImageError
    text = ('Caught BadImageError in DataLoader worker process 0.\nOriginal Traceback (most '
            'recent call last):\n  File "x.py", line 1, in f\n    raise BadImageError(...)\n'
            'mmml_plugin.datasets.transforms.loading.BadImageError: data/a.jpg: cannot decode '
            'the image (truncated); run tools/misc/check_images.py')
    assert user_error_message(BadImageError(text)) == \
        'data/a.jpg: cannot decode the image (truncated); run tools/misc/check_images.py'
    assert user_error_message(KeyError('no "classes" array')) == 'no "classes" array'
    assert 'is the network reachable' in user_error_message(URLError('no route'))


def test_a_bug_keeps_its_traceback(capsys):
    assert user_error_message(TypeError('unsupported operand')) is None
    with pytest.raises(TypeError):
        with exit_on_user_error():
            raise TypeError('unsupported operand')
    with pytest.raises(SystemExit) as exit_info:
        with exit_on_user_error(prog='train.py'):
            raise ValueError('configs/x.py: bad value')
    assert exit_info.value.code == 1
    assert 'train.py: error: configs/x.py: bad value' in capsys.readouterr().err
    with pytest.raises(ValueError):
        with exit_on_user_error(debug=True):
            raise ValueError('configs/x.py: bad value')
