# COCO 2014 multi-label (80 classes, category-id order) with the official SSGRL data protocol
# (HCPLab-SYSU/SSGRL utils/transforms.py L13-26, PIL images through torchvision):
#   train: PIL-bilinear resize to 640x640, a square crop of a side drawn uniformly from
#          {640, 576, 512, 384, 320} at a uniform position, PIL-bilinear resize to 576x576,
#          NO flip;
#   test:  PIL-bilinear resize to 640x640, center crop 576.
# Every element and its remaining difference to the official code: docs/reproduction.md.
# Normalisation happens in the model's data preprocessor (uint8 tensors leave the loader).
# Images without annotations: empty_images='keep' (val2014: 40,504 images, as SSGRL's
# datasets/cocodataset.py L16 and Q2L);
# 'drop' gives 40,137 (ML-GCN / ASL). See docs/data_preparation.md.
#
# One source of truth for the model configs: `num_classes`, `label_graph_file` and
# `label_embedding_file` are read by them as {{_base_.num_classes}} etc. The label files live
# under data_root, so `--cfg-options data_root=...` moves them with the images.
dataset_type = 'CocoMultiLabelDataset'
data_root = 'data/coco/'
num_classes = 80
label_graph_file = data_root + 'label_graph_train2014.npz'
label_embedding_file = data_root + 'label_embeddings_glove.npz'
# honest selection (configs/ssgrl/*-holdout-*): the train2014 images held out for validation,
# made by tools/misc/make_holdout_split.py (10%, seed 0)
holdout_list = data_root + 'holdout_train2014_10pct_seed0.txt'

data_preprocessor = dict(
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
    to_onehot=True,
)

train_pipeline = [
    # PIL decoding, EXIF orientation ignored: Image.open(...).convert('RGB') as the official code
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
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type,
                 data_root=data_root,
                 ann_file='annotations/instances_train2014.json',
                 data_prefix='train2014/',
                 empty_images='keep',
                 skip_bad_images=False,
                 pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type,
                 data_root=data_root,
                 ann_file='annotations/instances_val2014.json',
                 data_prefix='val2014/',
                 empty_images='keep',
                 test_mode=True,
                 pipeline=test_pipeline),
)
# Headline multi-label/mAP: all-point interpolated VOC AP, as the official utils/metrics.py
# L44-51 (voc_ap); multi-label/mAP_sklearn (step-wise AP) beside it.
val_evaluator = dict(type='MultiLabelMAP', ap_mode=['voc', 'sklearn'])
test_dataloader = val_dataloader
test_evaluator = val_evaluator

# Reports images skipped with skip_bad_images=True at the end of each epoch.
custom_hooks = [dict(type='BadImageReportHook')]
