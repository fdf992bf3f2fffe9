# mmdet's Faster R-CNN R50-FPN on VOC07+12 (80.4 box mAP on VOC2007 test in the mmdet zoo),
# unchanged, plus the plugin's image-level multi-label evaluation so that the detector and the
# SSGRL classifiers are compared on the same VOC2007 classification mAP.
_base_ = 'mmdet::pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py'

# `import mmml_plugin` registers the classification side only (no mmdet import); the mmdet-side
# metric registers into mmdet's METRICS when its module is imported.
custom_imports = dict(
    imports=['mmml_plugin', 'mmml_plugin.evaluation.metrics.detection_multilabel'],
    allow_failed_imports=False)

# The plugin's protections (docs/reliability.md): atomic checkpoints, NaN/inf loss stop, exact
# resume, synchronised BatchNorm buffers, CPU multi-process start.
runner_type = 'MMMLRunner'
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'),
                     non_finite_loss=dict(type='NonFiniteLossHook'),
                     epoch_seed=dict(type='EpochSeedHook'),
                     sync_buffers=dict(type='SyncBuffersHook'))

# One VOC tree for the classifiers and the detector: data/voc/ is the VOCdevkit folder
# (data/voc/VOC2007, data/voc/VOC2012; docs/data_preparation.md) instead of mmdet's
# data/VOCdevkit/. `--cfg-options data_root=...` moves all three datasets.
data_root = 'data/voc/'
train_dataloader = dict(dataset=dict(dataset=dict(datasets=[
    dict(d, data_root=data_root) for d in _base_.train_dataloader.dataset.dataset.datasets
])))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='VOCMetric', metric='mAP', eval_mode='11points'),
    dict(type='DetectionMultiLabelMetric'),
]
test_evaluator = val_evaluator
