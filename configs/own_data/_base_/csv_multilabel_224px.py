# Your own multi-label images listed in CSV files (docs/own_data.md): one "image,label;label" row
# per image (an optional "image,labels" header), image paths relative to data_root.
#
#   data/my_data/train.csv, val.csv      the rows
#   data/my_data/classes.txt             one class name per line: THE label order, used by every
#                                        split, the label files and the model's scores
#   data/my_data/label_graph.npz         tools/misc/build_label_graph.py --config <this config>
#   data/my_data/label_embeddings.npz    tools/misc/build_label_embeddings.py (GloVe or one-hot)
#
# Edit num_classes (the number of lines of classes.txt); the runner checks it against the
# dataset, the data preprocessor and both label files when the model is built.
dataset_type = 'CSVMultiLabelDataset'
data_root = 'data/my_data/'
classes = data_root + 'classes.txt'
num_classes = 10
label_graph_file = data_root + 'label_graph.npz'
label_embedding_file = data_root + 'label_embeddings.npz'
# Query2Label's asymmetric loss is summed over classes and scaled x1000 / C (query2labels
# lib/models/aslloss.py:113, see configs/_base_/models/query2label_r101.py)
asl_loss_weight = 1000 / num_classes

data_preprocessor = dict(
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],  # ImageNet, as the backbone's pretrained weights
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
    to_onehot=True,
)
# A plain resize to 224 x 224 and a horizontal flip (drop the flip if a mirrored image can change
# its labels, e.g. text or digits).
train_pipeline = [
    dict(type='LoadImageChecked'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageChecked'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type,
                 data_root=data_root,
                 ann_file='train.csv',
                 classes=classes,
                 pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type,
                 data_root=data_root,
                 ann_file='val.csv',
                 classes=classes,
                 test_mode=True,
                 pipeline=test_pipeline),
)
val_evaluator = dict(type='MultiLabelMAP')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
custom_hooks = [dict(type='BadImageReportHook')]
