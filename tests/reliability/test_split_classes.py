"""A training run whose validation split lists its classes in another order than the training
split is refused before the first iteration, naming both splits and the first difference; the
same split files train as before."""
import json
import shutil

import pytest
from reliability_helpers import DEMO_CONFIG, demo_options

from mmml_plugin.apis import run_train
from mmml_plugin.utils.label_files import ClassOrderError


@pytest.fixture(scope='module')
def swapped_val(tmp_path_factory, tiny_demo):
    """A copy of the tiny demo whose validation annotations name categories 1 and 2 the other
    way round (the images and their labels unchanged)."""
    root = tmp_path_factory.mktemp('swapped') / 'demo'
    shutil.copytree(tiny_demo['data_root'], root)
    path = root / 'annotations' / 'instances_val.json'
    data = json.loads(path.read_text())
    first, second = data['categories'][0], data['categories'][1]
    first['name'], second['name'] = second['name'], first['name']
    path.write_text(json.dumps(data))
    return dict(tiny_demo, data_root=str(root)), first['name'], second['name']


def test_training_refuses_a_validation_split_of_another_class_order(swapped_val, tmp_path):
    data, first, second = swapped_val
    options = demo_options(data, max_epochs=1)
    with pytest.raises(ClassOrderError) as error:
        run_train(DEMO_CONFIG, work_dir=str(tmp_path / 'work'), cfg_options=options)
    message = str(error.value)
    assert 'val_dataloader.dataset' in message and 'train_dataloader.dataset' in message
    assert f'position 0: {first!r} vs {second!r}' in message
    assert not list((tmp_path / 'work').glob('epoch_*.pth'))  # refused before training
