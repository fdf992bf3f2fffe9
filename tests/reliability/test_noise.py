"""``--show-dir`` draws every test image into the work dir; no warning a user cannot act on is
printed on an ordinary run; dataloader settings fit the machine (workers, pinned memory)."""
import warnings

import pytest
import torch
from reliability_helpers import DEMO_CONFIG, demo_options

from mmml_plugin.apis import load_config, run_test, run_train

NOISE = ('"FileClient" will be deprecated', '"HardDiskBackend" is the alias',
         "'pin_memory' argument is set as true", '`save_param_scheduler` is True')


def test_an_ordinary_run_prints_no_noise(tmp_path, tiny_demo, capsys):
    options = demo_options(tiny_demo, max_epochs=1, **{'param_scheduler': None})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        run_train(DEMO_CONFIG, work_dir=str(tmp_path), cfg_options=options)
    out = capsys.readouterr()
    text = out.out + out.err + '\n'.join(str(w.message) for w in caught)
    assert (tmp_path / 'epoch_1.pth').is_file()
    assert not [n for n in NOISE if n in text], [n for n in NOISE if n in text]


def test_show_dir_draws_every_test_image_in_the_work_dir(tmp_path, tiny_demo, monkeypatch):
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    options = demo_options(tiny_demo)
    model = MODELS.build(load_config(DEMO_CONFIG, options).model)
    ckpt = tmp_path / 'weights.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    elsewhere = tmp_path / 'cwd'
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    work = tmp_path / 'work'
    run_test(DEMO_CONFIG, str(ckpt), work_dir=str(work), show_dir='vis', cfg_options=options)
    drawn = list((work / 'vis').glob('*.png'))
    assert len(drawn) == 8  # every test image (mmpretrain's default draws 1 in 5000)
    assert not list(elsewhere.rglob('*.png'))  # nothing in the current directory


@pytest.mark.parametrize('size', [5000, 70000])
def test_check_images_reports_the_file_size(tmp_path, size):
    from mmml_plugin.datasets.bad_images import find_bad_images
    path = tmp_path / 'cut.jpg'
    path.write_bytes(b'\xff\xd8\xff\xe0' + b'\x00' * (size - 4))  # a JPEG without its end marker
    [(_, reason)] = find_bad_images([str(path)], progress=False)
    assert f'{size} bytes' in reason


def test_dataloader_settings_fit_the_machine():
    """8 workers and pinned memory (the shipped configs) become what this machine has, and the
    dataloader then starts without torch's warnings about them."""
    from torch.utils.data import DataLoader

    from mmml_plugin.engine.dataloader_fit import available_cpus, fit_dataloader_to_machine
    asked = dict(batch_size=2,
                 num_workers=available_cpus() + 6,
                 pin_memory=True,
                 persistent_workers=True)
    fitted = fit_dataloader_to_machine(asked)
    assert fitted['num_workers'] == available_cpus()
    assert fitted['pin_memory'] == torch.cuda.is_available()
    assert asked['num_workers'] == available_cpus() + 6  # the config itself is left alone
    assert fit_dataloader_to_machine(dict(num_workers=1))['num_workers'] == 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        batches = list(DataLoader(list(range(8)), **fitted))
    assert len(batches) == 4
    text = '\n'.join(str(w.message) for w in caught)
    assert 'worker processes' not in text and 'pin_memory' not in text, text


def test_runner_builds_every_dataloader_to_fit_the_machine():
    """``MMMLRunner`` builds its dataloaders (train, val, test, and a loop's own) through the fit:
    a config asking for more workers than CPUs gets a loader with as many workers as CPUs."""
    import mmml_plugin  # noqa: F401  (registers the runner)
    from mmml_plugin.engine import MMMLRunner
    from mmml_plugin.engine.dataloader_fit import available_cpus
    loader = MMMLRunner.build_dataloader(
        dict(batch_size=2,
             num_workers=available_cpus() + 6,
             pin_memory=True,
             dataset=list(range(8)),
             sampler=dict(type='DefaultSampler', shuffle=False)))
    assert loader.num_workers == available_cpus()
    assert loader.pin_memory == torch.cuda.is_available()


def test_runners_of_one_process_never_share_a_timestamp():
    """mmengine names a run's logger and visualizer after the config and the second it started:
    a second runner in the same second reused the first one's and wrote its scalars into the
    first run's folder. The runner takes the next second instead."""
    import time

    from mmml_plugin.engine.mmml_runner import unique_timestamp
    now = time.strftime('%Y%m%d_%H%M%S', time.localtime())
    first = unique_timestamp(now)
    second = unique_timestamp(now)
    assert first == now or first > now
    assert second > first and len(second) == len(first)
