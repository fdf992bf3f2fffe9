"""A smaller demo set than the shared ``demo_data`` fixture: the reliability tests train in
subprocesses (kills, torchrun) on a shared 2-core machine, so each epoch must take seconds."""
import pytest


@pytest.fixture(scope='session')
def tiny_demo(tmp_path_factory):
    """16 training and 8 validation demo images of 64 px, with their label graph and embeddings
    (same keys as the shared ``demo_data`` fixture)."""
    from mmml_plugin.datasets.demo_data import prepare_demo_data
    root = tmp_path_factory.mktemp('tiny_demo')
    return prepare_demo_data(str(root), num_train=16, num_val=8, image_size=64)


@pytest.fixture(scope='session')
def one_epoch_run(tmp_path_factory, tiny_demo):
    """A genuine work dir: the demo SSGRL config trained 1 epoch on ``tiny_demo`` in this process
    (``epoch_1.pth``, one ``best_*.pth``, ``last_checkpoint``). Copy it before changing it.

    Returns:
        dict: ``work_dir`` (Path), ``checkpoint`` (Path of ``epoch_1.pth``) and ``options``
        (the ``--cfg-options`` it was trained with).
    """
    from reliability_helpers import DEMO_CONFIG, demo_options

    from mmml_plugin.apis import run_train
    options = demo_options(tiny_demo, max_epochs=1)
    work = tmp_path_factory.mktemp('one_epoch') / 'work'
    run_train(DEMO_CONFIG, work_dir=str(work), cfg_options=options)
    return dict(work_dir=work, checkpoint=work / 'epoch_1.pth', options=options)
