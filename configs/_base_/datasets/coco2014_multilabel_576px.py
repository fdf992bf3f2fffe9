# COCO 2014 multi-label (80 classes, category-id order), SSGRL's transforms:
# train: resize to 640x640, random square crop of a size drawn from {640, 576, 512, 384, 320},
#        resize to 576x576, horizontal flip;  test: resize to 640x640, center crop 576.
# Normalisation happens in the model's data preprocessor (uint8 tensors leave the loader).
# Images without annotations: empty_images='keep' (val2014: 40,504 images, as SSGRL / Q2L);
# 'drop' gives 40,137 (ML-GCN / ASL). See docs/data_preparation.md.
dataset_type = 'CocoMultiLabelDataset'
data_root = 'data/coco/'
num_classes = 80
label_graph_file = data_root + 'label_graph_train2014.npz'
label_embedding_file = data_root + 'label_embeddings_glove.npz'

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
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
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
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/instances_val2014.json',
        data_prefix='val2014/',
        empty_images='keep',
        test_mode=True,
        pipeline=test_pipeline),
)
val_evaluator = dict(type='MultiLabelMAP')
test_dataloader = val_dataloader
test_evaluator = val_evaluator

# Reports images skipped with skip_bad_images=True at the end of each epoch.
custom_hooks = [dict(type='BadImageReportHook')]
