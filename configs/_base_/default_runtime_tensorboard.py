# The default runtime with TensorBoard logging switched on: put this file in a config's `_base_`
# list instead of `default_runtime.py`. Scalars then go to both the JSON log
# (<work_dir>/<timestamp>/vis_data/scalars.json, read by
# tools/analysis_tools/plot_training_curves.py) and TensorBoard events in the same folder:
# `tensorboard --logdir <work_dir>`.
_base_ = ['./default_runtime.py']

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(vis_backends=vis_backends)
