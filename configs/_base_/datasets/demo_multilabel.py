# Demo digits (mmml_plugin/datasets/demo_digits.py): COCO instances format, 10 classes, 128 px.
# SSGRL's transforms scaled down by 640/128 = 5 (resize to 128, random square crop, resize to 115;
# test: resize to 128, center crop 115), with only the two largest crop sizes {128, 115} and no
# flip: smaller crops cut digits out while their labels stay, and a mirrored digit is not the same
# digit; with them the from-scratch demo models stayed at chance level.
dataset_type = 'CocoMultiLabelDataset'
data_root = 'data/demo/'
num_classes = 10
label_graph_file = data_root + 'label_graph.npz'
label_embedding_file = data_root + 'label_embeddings.npz'

data_preprocessor = dict(
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
    to_onehot=True,
)

train_pipeline = [
    dict(type='LoadImageChecked'),
    dict(type='RandomSquareCropResize', scale=128, crop_sizes=(128, 115), out_size=115),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageChecked'),
    dict(type='Resize', scale=(128, 128), keep_ratio=False),
    dict(type='CenterCrop', crop_size=115),
    dict(type='PackInputs'),
]

# No worker processes: decoding a 128 px image costs far less than the model's step on the CPU,
# and the demo stays one process on a 2-core machine.
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type,
                 data_root=data_root,
                 ann_file='annotations/instances_train.json',
                 data_prefix='train/',
                 empty_images='keep',
                 pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type,
                 data_root=data_root,
                 ann_file='annotations/instances_val.json',
                 data_prefix='val/',
                 empty_images='keep',
                 test_mode=True,
                 pipeline=test_pipeline),
)
val_evaluator = dict(type='MultiLabelMAP')
test_dataloader = val_dataloader
test_evaluator = val_evaluator

# Reports images skipped with skip_bad_images=True at the end of each epoch (keep it when
# overriding custom_hooks).
custom_hooks = [dict(type='BadImageReportHook')]
