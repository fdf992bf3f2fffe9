"""Warn when ``--resume`` continues a run under another schedule than it was saved with.

``Runner.resume`` restores each parameter scheduler's full state, ``begin``/``end``/``T_max``
included, from the checkpoint. Resuming with a larger ``train_cfg.max_epochs`` therefore trains
the extra epochs under the *old* schedule: past its old end the learning rate stays frozen at its
final value, silently. The plugin does not rebuild the schedule (a cosine or step schedule cut
and re-fitted mid-run is a third schedule, neither the old nor the new one); it warns, naming
what changed, so the user can choose: keep the old settings, or start a new run from the
checkpoint's weights with ``load_from`` (fresh optimizer and schedule).
"""
import logging
from typing import List

from mmengine.config import Config
from mmengine.logging import print_log

_KEYS = ('train_cfg', 'param_scheduler')


def schedule_changes(saved: Config, current: Config) -> List[str]:
    """The schedule settings that differ between the saved and the current config.

    Args:
        saved (Config): the config stored in the checkpoint (``meta.cfg``).
        current (Config): the config of the resumed run.

    Returns:
        list[str]: one ``'key: saved -> current'`` line per difference.
    """
    changes = []
    for key in _KEYS:
        before, after = saved.get(key), current.get(key)
        if isinstance(before, dict) and isinstance(after, dict):
            for sub in sorted(set(before) | set(after)):
                if before.get(sub) != after.get(sub):
                    changes.append(f'{key}.{sub}: {before.get(sub)!r} -> {after.get(sub)!r}')
        elif before != after:
            changes.append(f'{key}: {before!r} -> {after!r}')
    return changes


def warn_on_schedule_change(saved_cfg_text: str, current: Config, filename: str) -> List[str]:
    """Log a warning if the ``current`` schedule differs from the one saved in ``filename``.

    Args:
        saved_cfg_text (str): the checkpoint's ``meta['cfg']`` (mmengine stores the config text).
        current (Config): the resumed run's config.
        filename (str): the checkpoint it resumed from (for the message).

    Returns:
        list[str]: the differences found (empty when none, or when the checkpoint has no config).
    """
    text = saved_cfg_text
    if not text:
        return []
    try:
        saved = Config.fromstring(text, file_format='.py')
    except Exception:  # an older or foreign checkpoint: nothing to compare against
        return []
    changes = schedule_changes(saved, current)
    if changes:
        print_log(f'Resuming from {filename} with another schedule than it was saved with: ' +
                  '; '.join(changes) +
                  '. The learning-rate schedulers are restored as saved (their '
                  'begin/end/T_max included), so beyond the old end the learning rate stays at its '
                  'final value. To train longer under a new schedule, start a new run from these '
                  'weights with load_from (no --resume); otherwise resume with the saved settings.',
                  logger='current',
                  level=logging.WARNING)
    return changes
