# ML-GCN, ResNet-101, PASCAL VOC 2007 trainval -> test at 448 px: the official recipe
# (demo_voc2007_gcn.py + engine.py). Published: 94.0 mAP (ML-GCN README, "Update" table).
_base_ = [
    '../_base_/models/mlgcn_r101.py',
    '../_base_/datasets/voc07_multilabel_576px.py',
    '../_base_/schedules/sgd_lr0.1_lrp0.1_mlgcn.py',
    '../_base_/default_runtime.py',
]
image_size = 448  # README demo command (the script's default is 224, demo_voc2007_gcn.py:9)

# ImageNet initialisation: torchvision's ResNet-101, as mlgcn_r101_1xb16_coco-448px.py.
# The official label files (configs/mlgcn/README.md) live under the dataset's data_root, so
# `--cfg-options data_root=...` moves them with the images.
model = dict(backbone=dict(init_cfg=dict(checkpoint='torchvision://resnet101', prefix=None)),
             head=dict(num_classes=20,
                       embedding_file=_base_.data_root + 'label_embeddings_mlgcn.npz',
                       graph_file=_base_.data_root + 'label_graph_mlgcn.npz'))
# decoding as Voc2007Classification (voc.py:253): Image.open(path).convert('RGB'), no EXIF rotation
load_image = dict(type='LoadImageChecked', imdecode_backend='pillow', ignore_orientation=True)
train_pipeline = [
    load_image,
    # difficult-only labels are positives in training (engine.py:430-432); see the transform
    dict(type='DifficultAsPositive'),
    dict(type='MultiScaleCrop',
         input_size=image_size,
         scales=(1.0, 0.875, 0.75, 0.66, 0.5),
         max_distort=2),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    load_image,
    dict(type='Warp', size=image_size),
    dict(type='PackInputs',
         meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip',
                    'flip_direction', 'gt_label_difficult')),
]
# Difficult-only labels: the official engine TRAINS them as positives (engine.py:430-432 turns
# the 0 of VOC's ImageSets files into 1: DifficultAsPositive above) and IGNORES them in the test
# AP (util.py:238-241: difficult_as_positive=None).
# batch 16 (:19), shuffled, last partial batch kept (engine.py:157-159)
train_dataloader = dict(batch_size=16, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=16, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='MultiLabelMAP', ap_mode='sklearn', difficult_as_positive=None)
test_evaluator = val_evaluator
# the official engine keeps the epoch with the best validation mAP (engine.py:206-214)
default_hooks = dict(checkpoint=dict(save_best='multi-label/mAP', rule='greater', max_keep_ckpts=1))
