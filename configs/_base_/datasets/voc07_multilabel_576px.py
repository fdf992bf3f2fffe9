# PASCAL VOC 2007 multi-label (20 classes) on mmpretrain's VOC dataset with the official SSGRL
# transforms (see coco2014_multilabel_576px.py). Train on trainval (5,011 images), test on test
# (4,952).
#
# Difficult labels, as the official code (HCPLab-SYSU/SSGRL datasets/voc07dataset.py L32-36 skips
# difficult objects, so a class whose only objects in an image are difficult is a 0 = NEGATIVE,
# in training and in the test mAP):
# - training: never positive (mmpretrain's VOC lists them in gt_label_difficult, not gt_label);
# - evaluation: difficult_as_positive=False, a negative.
# The standard protocol ignores them in the AP instead: configs/ssgrl/
# ssgrl_r101_1xb4_voc07-ignore-difficult-576px.py. See docs/data_preparation.md.
dataset_type = 'VOC'
data_root = 'data/voc/VOC2007/'
num_classes = 20
# label files under data_root (moved by --cfg-options data_root=...)
label_graph_file = data_root + 'label_graph_voc07trainval.npz'
label_embedding_file = data_root + 'label_embeddings_glove.npz'
# honest selection (configs/ssgrl/*-holdout-*): the trainval images held out for validation,
# made by tools/misc/make_holdout_split.py (10%, seed 0)
holdout_list = data_root + 'holdout_trainval_10pct_seed0.txt'

data_preprocessor = dict(
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
    to_onehot=True,
)

train_pipeline = [
    dict(type='LoadImageChecked', imdecode_backend='pillow', ignore_orientation=True),
    dict(type='RandomSquareCropResize',
         scale=640,
         crop_sizes=(640, 576, 512, 384, 320),
         out_size=576,
         interpolation='bilinear',
         backend='pillow'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageChecked', imdecode_backend='pillow', ignore_orientation=True),
    dict(type='Resize',
         scale=(640, 640),
         keep_ratio=False,
         interpolation='bilinear',
         backend='pillow'),
    dict(type='CenterCrop', crop_size=576),
    dict(
        type='PackInputs',
        # gt_label_difficult is needed by the VOC metrics
        meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip',
                   'flip_direction', 'gt_label_difficult')),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='trainval', pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type,
                 data_root=data_root,
                 split='test',
                 test_mode=True,
                 pipeline=test_pipeline),
)
# headline mAP: all-point VOC AP (official utils/metrics.py L44-51); mAP_sklearn beside it
val_evaluator = dict(type='MultiLabelMAP', ap_mode=['voc', 'sklearn'], difficult_as_positive=False)
test_dataloader = val_dataloader
test_evaluator = val_evaluator
