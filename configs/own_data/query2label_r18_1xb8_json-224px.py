# Query2Label on your own data (docs/own_data.md): ResNet-18 (ImageNet), JSON annotations, 224 px.
_base_ = [
    './_base_/query2label_r18.py',
    './_base_/json_multilabel_224px.py',
    './_base_/adam_1e-4_cosine_12e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    head=dict(num_classes={{_base_.num_classes}}, loss=dict(
        loss_weight={{_base_.asl_loss_weight}})))
