"""Switch TensorBoard logging on in a config (mmengine's ``TensorboardVisBackend``)."""
from mmengine.config import Config, ConfigDict


def enable_tensorboard(cfg: Config, keep_local: bool = True) -> Config:
    """Add mmengine's ``TensorboardVisBackend`` to ``cfg.visualizer`` (in place, idempotent).

    The events files go to ``<work_dir>/<timestamp>/vis_data/``; view them with
    ``tensorboard --logdir <work_dir>``.

    Args:
        cfg (Config): a training config with a ``visualizer``.
        keep_local (bool): keep the other backends (the ``LocalVisBackend`` writes the
            ``scalars.json`` that ``tools/analysis_tools/plot_training_curves.py`` reads).

    Returns:
        Config: ``cfg``.
    """
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise ImportError('TensorBoard logging needs the `tensorboard` package: '
                          '`pip install tensorboard`.') from None
    if cfg.get('visualizer') is None:
        raise KeyError('the config has no `visualizer`; inherit a default_runtime with one.')
    backends = list(cfg.visualizer.get('vis_backends') or []) if keep_local else []
    if not any(b.get('type') == 'TensorboardVisBackend' for b in backends):
        backends.append(ConfigDict(type='TensorboardVisBackend'))
    cfg.visualizer.vis_backends = backends
    return cfg
