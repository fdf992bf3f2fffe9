# PASCAL VOC 2007 multi-label (20 classes) on mmpretrain's VOC dataset, SSGRL's transforms
# (see coco2014_multilabel_576px.py). Train on trainval (5,011 images), test on test (4,952).
#
# Difficult labels (a class whose only objects in an image are marked difficult):
# - training: never positive (mmpretrain's VOC puts them in gt_label_difficult, not gt_label),
#   as in SSGRL and the standard protocol;
# - evaluation: this config uses the standard protocol, they are IGNORED in the AP
#   (difficult_as_positive=None). SSGRL's code scores them as NEGATIVE: inherit
#   voc07_multilabel_576px_ssgrl_difficult.py for that. See docs/data_preparation.md.
dataset_type = 'VOC'
data_root = 'data/voc/VOC2007/'
num_classes = 20
label_graph_file = 'data/voc/label_graph_voc07trainval.npz'
label_embedding_file = 'data/voc/label_embeddings_glove.npz'

data_preprocessor = dict(
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
    to_onehot=True,
)

train_pipeline = [
    dict(type='LoadImageChecked'),
    # = Resize 640 -> RandomChoice(RandomCrop(s)) -> Resize 576, in one resampling step
    dict(type='RandomSquareCropResize', scale=640, crop_sizes=(640, 576, 512, 384, 320),
         out_size=576),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageChecked'),
    dict(type='Resize', scale=(640, 640), keep_ratio=False),
    dict(type='CenterCrop', crop_size=576),
    dict(type='PackInputs',
         # gt_label_difficult is needed by the VOC metrics
         meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip',
                    'flip_direction', 'gt_label_difficult')),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='trainval',
                 pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test', test_mode=True,
                 pipeline=test_pipeline),
)
voc_difficult_as_positive = None  # None: ignore difficult-only labels (standard); False: SSGRL
val_evaluator = dict(type='MultiLabelMAP', difficult_as_positive=voc_difficult_as_positive)
test_dataloader = val_dataloader
test_evaluator = val_evaluator
