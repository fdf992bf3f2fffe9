"""Bad image files: each is an error naming the file and the fix (also for the single image of
the inference API), grayscale / RGBA are converted, and ``skip_bad_images=True`` skips and counts
them during training (reported at the end of the epoch by ``BadImageReportHook``), never feeding
a zero image; data where every image is bad stops with the count of bad files and a listing."""
import logging
import os.path as osp
import re
import tempfile

import mmcv
import numpy as np
import pytest
import torch
from dataset_helpers import write_coco
from mmengine.logging import MMLogger
from mmengine.model import BaseModel
from mmengine.runner import Runner
from PIL import Image

from mmml_plugin.datasets import BadImageError, CocoMultiLabelDataset
from mmml_plugin.datasets.transforms import load_image_checked

PIPELINE = [
    dict(type='LoadImageChecked'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='PackInputs')
]
BAD = ['truncated.jpg', 'empty.jpg', 'missing.jpg', 'text.jpg']


@pytest.fixture(scope='module')
def image_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp('images')
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    for i in range(8):
        Image.fromarray(np.roll(rgb, i, axis=0)).save(folder / f'good{i}.jpg', quality=90)
    data = (folder / 'good0.jpg').read_bytes()
    (folder / 'truncated.jpg').write_bytes(data[:len(data) * 2 // 3])
    (folder / 'empty.jpg').write_bytes(b'')
    (folder / 'text.jpg').write_text('<html>404 Not Found</html>')
    Image.fromarray(rgb[..., 0]).save(folder / 'gray.png')
    Image.fromarray(rgb[..., 0]).save(folder / 'gray.jpg', quality=95)
    rgba = np.concatenate([rgb, np.full((48, 64, 1), 7, np.uint8)], axis=-1)
    Image.fromarray(rgba, 'RGBA').save(folder / 'rgba.png')
    return folder


@pytest.mark.parametrize('name, what', [('truncated.jpg', 'truncated JPEG'),
                                        ('empty.jpg', 'empty file'),
                                        ('missing.jpg', 'file not found'),
                                        ('text.jpg', 'not a decodable image')])
def test_bad_file_errors_name_file_and_fix(image_dir, name, what):
    path = str(image_dir / name)
    with pytest.raises(BadImageError) as e:
        load_image_checked(path)
    msg = str(e.value)
    assert msg.startswith(path) and what in msg and 'skip_bad_images=True' in msg


def test_truncated_jpeg_refused_whatever_the_decoder(image_dir, monkeypatch):
    # Many training scripts set PIL's LOAD_TRUNCATED_IMAGES to get past such files: PIL then
    # fills the missing part with grey and raises nothing. The end-marker check still refuses.
    from PIL import ImageFile
    monkeypatch.setattr(ImageFile, 'LOAD_TRUNCATED_IMAGES', True)
    path = str(image_dir / 'truncated.jpg')
    img = mmcv.imfrombytes(open(path, 'rb').read(), backend='pillow')
    assert img is not None and img.shape == (48, 64, 3)
    with pytest.raises(BadImageError, match='truncated JPEG'):
        load_image_checked(path, imdecode_backend='pillow')


def test_grayscale_and_rgba_become_three_channels(image_dir):
    rgb = np.asarray(Image.open(image_dir / 'rgba.png'))[..., :3]
    gray = load_image_checked(str(image_dir / 'gray.png'))
    assert gray.shape == (48, 64, 3) and gray.dtype == np.uint8
    assert (gray[..., 0] == gray[..., 2]).all() and (gray[..., 0] == rgb[..., 0]).all()
    assert load_image_checked(str(image_dir / 'gray.jpg')).shape == (48, 64, 3)
    rgba = load_image_checked(str(image_dir / 'rgba.png'), channel_order='rgb')
    assert rgba.shape == (48, 64, 3) and (rgba == rgb).all()


def _dataset_file(image_dir, tmp_path, names):
    images = [(i + 1, n) for i, n in enumerate(names)]
    return write_coco(tmp_path / 'instances_train.json', images,
                      [(i + 1, 1 + i % 2) for i in range(len(names))], [(1, 'a'), (2, 'b')])


def test_dataset_errors_and_skips(image_dir, tmp_path):
    names = ['good0.jpg', 'truncated.jpg', 'good1.jpg', 'gray.png']
    ann = _dataset_file(image_dir, tmp_path, names)
    common = dict(ann_file=ann, data_prefix=str(image_dir), pipeline=PIPELINE)
    strict = CocoMultiLabelDataset(**common)
    assert strict[3]['inputs'].shape == (3, 32, 32)  # grayscale is fine
    with pytest.raises(BadImageError, match=r'truncated.jpg: truncated JPEG'):
        strict[1]

    lenient = CocoMultiLabelDataset(skip_bad_images=True, **common)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        out = lenient[1]  # another, good image instead (mmengine refetch), never zeros
    finally:
        logger.removeHandler(handler)
    warned = [r.getMessage() for r in records if 'skipping bad image' in r.getMessage()]
    # skip_bad_images=True is set: the warning names the file and does not advise setting it
    assert warned and all('truncated.jpg' in m and 'set skip_bad_images' not in m for m in warned)
    path = out['data_samples'].img_path
    assert osp.basename(path) in {'good0.jpg', 'good1.jpg', 'gray.png'}
    skipped = out['data_samples'].metainfo['skipped_bad_images']  # a refetch may hit it again
    assert len(skipped) >= 1 and set(skipped) == {str(image_dir / BAD[0])}
    assert out['inputs'].float().std() > 0
    assert 'skipped_bad_images' not in lenient[0]['data_samples'].metainfo  # reported once

    evaluation = CocoMultiLabelDataset(skip_bad_images=True, test_mode=True, **common)
    with pytest.raises(BadImageError, match='applies to training only'):
        evaluation[1]


class _RecordingModel(BaseModel):
    """A linear multi-label classifier that records the image paths it was fed."""

    def __init__(self):
        super().__init__(data_preprocessor=dict(
            type='mmpretrain.ClsDataPreprocessor', num_classes=2, to_onehot=True))
        self.fc = torch.nn.Linear(3, 2)
        self.seen = []

    def forward(self, inputs, data_samples=None, mode='tensor'):
        self.seen += [s.img_path for s in data_samples]
        assert all(float(x.abs().sum()) > 0 for x in inputs)
        logits = self.fc(inputs.float().mean(dim=(2, 3)))
        target = torch.stack([s.gt_score for s in data_samples]).float()
        return dict(loss=torch.nn.functional.binary_cross_entropy_with_logits(logits, target))


def test_training_skips_counts_and_reports_at_epoch_end(image_dir, tmp_path, capsys):
    names = [f'good{i}.jpg' for i in range(6)] + BAD + ['rgba.png', 'gray.jpg']
    ann = _dataset_file(image_dir, tmp_path, names)
    model = _RecordingModel()
    runner = Runner(model=model,
                    work_dir=str(tmp_path / 'work'),
                    train_dataloader=dict(batch_size=4,
                                          num_workers=2,
                                          sampler=dict(type='DefaultSampler', shuffle=True),
                                          dataset=dict(type='CocoMultiLabelDataset',
                                                       ann_file=ann,
                                                       data_prefix=str(image_dir),
                                                       skip_bad_images=True,
                                                       pipeline=PIPELINE)),
                    train_cfg=dict(by_epoch=True, max_epochs=1),
                    optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
                    custom_hooks=[dict(type='BadImageReportHook')],
                    default_scope='mmpretrain',
                    default_hooks=dict(checkpoint=None, logger=dict(type='LoggerHook', interval=1)),
                    randomness=dict(seed=0),
                    log_level='WARNING')
    runner.train()
    bad_paths = {str(image_dir / n) for n in BAD}
    assert len(model.seen) == len(names)  # every batch full of real images
    assert not bad_paths & set(model.seen)
    # Files, not skip events: a refetch that hits a bad file again does not count it twice.
    assert runner.message_hub.get_info('skipped_bad_images') == len(BAD)
    out = capsys.readouterr().out
    report = [line for line in out.splitlines() if 'bad image file(s)' in line]
    assert len(report) == 1 and f'epoch 1: skipped {len(BAD)} bad image file(s)' in report[0]
    assert all(p in report[0] for p in bad_paths)


def test_find_bad_images_and_cli(image_dir, tmp_path):
    from mmml_plugin.datasets.bad_images import find_bad_images
    names = ['good0.jpg', 'gray.png', 'rgba.png'] + BAD
    paths = [str(image_dir / n) for n in names]
    for decode in (False, True):
        bad = find_bad_images(paths, decode=decode)
        assert [osp.basename(p) for p, _ in bad] == BAD
        assert all(reason.startswith(p) for p, reason in bad)

    import importlib.util
    repo = osp.join(osp.dirname(__file__), '..', '..')
    spec = importlib.util.spec_from_file_location(
        'check_images', osp.join(repo, 'tools', 'misc', 'check_images.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    ann = _dataset_file(image_dir, tmp_path, names)
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"default_scope = 'mmpretrain'\nval_dataloader = dict(dataset=dict("
                   f"type='CocoMultiLabelDataset', ann_file='{ann}', "
                   f"data_prefix='{image_dir}', test_mode=True))\n")
    out = tmp_path / 'bad.txt'
    assert tool.main([str(cfg), '--split', 'val', '--out', str(out)]) == 1
    assert [osp.basename(p) for p in out.read_text().split()] == BAD


def test_single_image_loader_names_the_file(image_dir, tmp_path):
    """The inference API (``tools/image_demo.py``) reads its image with the loader's checks: a
    0-byte or truncated file is a ``BadImageError`` naming it (not OpenCV's "!buf.empty()" or a
    grey-filled picture), without the advice meant for datasets."""
    from mmml_plugin.apis.inference import _pipeline_input

    def _read_image(path):
        return _pipeline_input(path, 0, {})['img']

    data = (image_dir / 'gray.png').read_bytes()
    (tmp_path / 'cut.png').write_bytes(data[:len(data) // 2])
    cases = [(image_dir / 'empty.jpg', 'empty file (0 bytes)'),
             (image_dir / 'truncated.jpg', 'truncated JPEG'),
             (tmp_path / 'cut.png', 'truncated PNG'),
             (image_dir / 'text.jpg', 'not a decodable image')]
    for path, what in cases:
        with pytest.raises(BadImageError) as e:
            _read_image(str(path))
        msg = str(e.value)
        assert msg.startswith(f'{path}: {what}') and 'Re-download' in msg, msg
        assert 'annotation file' not in msg and 'skip_bad_images' not in msg
    good = str(image_dir / 'good0.jpg')
    assert np.array_equal(_read_image(good), mmcv.imread(good))  # same decode as before


def _capture_skip_warnings():
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    MMLogger.get_current_instance().addHandler(handler)
    return handler, records


def test_all_bad_data_stops_with_the_count_and_a_listing(image_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path))  # where the listing goes
    ann = _dataset_file(image_dir, tmp_path, BAD)
    dataset = CocoMultiLabelDataset(ann_file=ann,
                                    data_prefix=str(image_dir),
                                    skip_bad_images=True,
                                    pipeline=PIPELINE)
    handler, records = _capture_skip_warnings()
    try:
        with pytest.raises(BadImageError) as e:
            dataset[0]
    finally:
        MMLogger.get_current_instance().removeHandler(handler)
    msg = str(e.value)
    assert msg.startswith(f'1001 draws in a row from {ann} (4 images) hit bad image files')
    assert '4 distinct bad image file(s)' in msg and 'Cannot find valid image' not in msg
    listing = re.search(r'listed with their reasons in (\S+\.txt)', msg).group(1)
    assert osp.dirname(listing) == str(tmp_path)
    lines = open(listing).read().splitlines()
    assert sorted(line.split(': ')[0] for line in lines) == sorted(str(image_dir / n) for n in BAD)
    assert any('file not found' in line for line in lines)
    # each bad file is logged once, not once per draw
    warned = [r.getMessage() for r in records if 'skipping bad image' in r.getMessage()]
    assert len(warned) == len(BAD)


def test_all_bad_data_error_reaches_the_training_process(image_dir, tmp_path, monkeypatch):
    """Raised in a dataloader worker, the error reaches ``runner.train()`` with its message."""
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path))  # where the listings go
    ann = _dataset_file(image_dir, tmp_path, BAD)
    runner = Runner(
        model=_RecordingModel(),
        work_dir=str(tmp_path / 'work'),
        # one batch: no worker is left busy drawing bad files at the teardown
        train_dataloader=dict(batch_size=len(BAD),
                              num_workers=2,
                              sampler=dict(type='DefaultSampler', shuffle=False),
                              dataset=dict(type='CocoMultiLabelDataset',
                                           ann_file=ann,
                                           data_prefix=str(image_dir),
                                           skip_bad_images=True,
                                           pipeline=PIPELINE)),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_scope='mmpretrain',
        default_hooks=dict(checkpoint=None),
        log_level='ERROR')
    with pytest.raises(BadImageError,
                       match=r'4 distinct bad image file\(s\), listed with their '
                       r'reasons in \S+\.txt'):
        runner.train()
