"""Which checkpoint a test run scores (``mmml_plugin.apis.checkpoints``): a file as given, the
work dir's ``best`` (the one ``best_*.pth``) or ``last`` (``last_checkpoint``), and the epoch in
its name; missing or ambiguous choices fail naming the fix."""
import pytest

from mmml_plugin.apis.checkpoints import checkpoint_epoch, resolve_checkpoint


def test_a_file_is_scored_as_given(tmp_path):
    assert resolve_checkpoint('some/where/model.pth', str(tmp_path)) == 'some/where/model.pth'


def test_last_follows_last_checkpoint_relative_or_absolute(tmp_path):
    (tmp_path / 'epoch_3.pth').write_bytes(b'')
    (tmp_path / 'last_checkpoint').write_text('epoch_3.pth\n')
    assert resolve_checkpoint('last', str(tmp_path)) == str(tmp_path / 'epoch_3.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    assert resolve_checkpoint('last', str(tmp_path)) == str(tmp_path / 'epoch_3.pth')


def test_last_without_a_run_names_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match='last_checkpoint not found.*--work-dir'):
        resolve_checkpoint('last', str(tmp_path))


def test_best_needs_exactly_one_best_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='found 0.*save_best'):
        resolve_checkpoint('best', str(tmp_path))
    best = tmp_path / 'best_multi-label_mAP_epoch_2.pth'
    best.write_bytes(b'')
    assert resolve_checkpoint('best', str(tmp_path)) == str(best)
    (tmp_path / 'best_multi-label_mAP_epoch_5.pth').write_bytes(b'')
    with pytest.raises(FileNotFoundError, match='found 2'):
        resolve_checkpoint('best', str(tmp_path))


def test_epoch_is_read_from_mmengine_names():
    assert checkpoint_epoch('/w/epoch_12.pth') == 12
    assert checkpoint_epoch('best_multi-label_mAP_epoch_1.pth') == 1
    assert checkpoint_epoch('/w/converted.pth') is None
    assert checkpoint_epoch('/w/epoch_3.pth.tmp') is None
