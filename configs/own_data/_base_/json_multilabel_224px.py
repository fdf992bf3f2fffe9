# The CSV set's settings (csv_multilabel_224px.py) with mmpretrain's own MultiLabelDataset: its
# OpenMMLab 2.0 JSON, {"metainfo": {"classes": [...]}, "data_list": [{"img_path": "train/a.jpg",
# "gt_label": [0, 3]}, ...]}, img_path relative to data_root. The class names (and their order)
# are the file's metainfo.classes; gt_label indexes them. Each file carries its own list: write
# the same list into every split.
_base_ = ['./csv_multilabel_224px.py']
dataset_type = 'MultiLabelDataset'
train_dataloader = dict(dataset=dict(_delete_=True,
                                     type=dataset_type,
                                     data_root={{_base_.data_root}},
                                     ann_file='annotations/train.json',
                                     pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(_delete_=True,
                                   type=dataset_type,
                                   data_root={{_base_.data_root}},
                                   ann_file='annotations/val.json',
                                   test_mode=True,
                                   pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
