"""Warn when ``--resume`` continues a run under another schedule than it was saved with.

``Runner.resume`` restores each parameter scheduler's full state, ``begin``/``end``/``T_max``
included, from the checkpoint. Resuming with a larger ``train_cfg.max_epochs`` therefore trains
the extra epochs under the *old* schedule: past its old end the learning rate stays frozen at its
final value, silently. The plugin does not rebuild the schedule (a cosine or step schedule cut
and re-fitted mid-run is a third schedule, neither the old nor the new one); it warns, naming
what changed, so the user can choose: keep the old settings, or start a new run from the
checkpoint's weights with ``load_from`` (fresh optimizer and schedule).

The saved config is text inside the checkpoint, i.e. untrusted: it is parsed as data
(:func:`saved_schedule`: ``ast.parse`` and literal values only), never executed. mmengine's
``Config.fromstring`` would run it, and a checkpoint whose ``meta['cfg']`` starts with
``__import__('os').system(...)`` still passes the weights-only load (it is a plain string).
"""
import ast
import logging
from typing import Any, Dict, List, Mapping, Optional

from mmengine.config import Config
from mmengine.logging import print_log

_KEYS = ('train_cfg', 'param_scheduler')


class _NotData(ValueError):
    """A node of the saved config that is not a literal value."""


def _literal(node: ast.AST) -> Any:
    """The value of ``node`` if it is plain data: constants, containers, ``dict(k=v, ...)``.

    Names other than ``True``/``False``/``None``, calls other than ``dict(...)`` with keyword
    arguments, attribute accesses, operators (but a sign) and the like raise :class:`_NotData`;
    nothing is evaluated.
    """
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _literal(node.operand)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    elif isinstance(node, (ast.List, ast.Tuple)):
        values = [_literal(e) for e in node.elts]
        return values if isinstance(node, ast.List) else tuple(values)
    elif isinstance(node, ast.Dict) and None not in node.keys:
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values)}
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'dict'
          and not node.args and all(k.arg is not None for k in node.keywords)):
        return {k.arg: _literal(k.value) for k in node.keywords}
    raise _NotData(ast.dump(node)[:80])


def saved_schedule(text: str) -> Optional[Dict[str, Any]]:
    """Read ``train_cfg`` and ``param_scheduler`` from a saved config's text, as data.

    The text is parsed (``ast.parse``), not run: only top-level ``name = <literal>``
    assignments of the compared names are read, and a value that is not a literal (a call, a
    name, an expression) is left out. Statements such as ``__import__('os').system(...)`` are
    ignored.

    Args:
        text (str): the checkpoint's ``meta['cfg']`` (mmengine's ``Config.pretty_text``).

    Returns:
        dict | None: the literal values found (``{}`` if none), or None when ``text`` is not
        Python at all (an older or foreign checkpoint).
    """
    try:
        tree = ast.parse(text, mode='exec')
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return None
    found = {}
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id in _KEYS):
            continue
        try:
            found[stmt.targets[0].id] = _literal(stmt.value)
        except (_NotData, RecursionError, TypeError):  # TypeError: an unhashable dict key
            found.pop(stmt.targets[0].id, None)
    return found


def schedule_changes(saved: Mapping, current: Mapping) -> List[str]:
    """The schedule settings that differ between the saved and the current config.

    Args:
        saved (Mapping): the schedule read from the checkpoint (:func:`saved_schedule`).
        current (Mapping): the config of the resumed run.

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


def _plain(value: Any) -> Any:
    """``ConfigDict``/tuple values as the plain dicts/lists/tuples :func:`saved_schedule` gives."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def warn_on_schedule_change(saved_cfg_text: str, current: Config, filename: str) -> List[str]:
    """Log a warning if the ``current`` schedule differs from the one saved in ``filename``.

    Args:
        saved_cfg_text (str): the checkpoint's ``meta['cfg']`` (mmengine stores the config text).
        current (Config): the resumed run's config.
        filename (str): the checkpoint it resumed from (for the message).

    Returns:
        list[str]: the differences found (empty when none, or when the checkpoint has no config).
    """
    if not isinstance(saved_cfg_text, str) or not saved_cfg_text:
        return []
    saved = saved_schedule(saved_cfg_text)
    if not saved:  # an older or foreign checkpoint: nothing to compare against
        return []
    current = {key: _plain(current.get(key)) for key in _KEYS if key in saved}
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
