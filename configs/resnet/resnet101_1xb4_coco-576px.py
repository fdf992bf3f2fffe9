# Baseline: ResNet-101 + global average pooling + linear classifier, with SSGRL's recipe and data
# protocol (COCO-2014 at 576 px, Adam 1e-5, batch 4, stages 1-3 frozen, BCE).
_base_ = [
    '../_base_/models/resnet101_multilabel.py',
    '../_base_/datasets/coco2014_multilabel_576px.py',
    '../_base_/schedules/adam_1e-5_bs4.py',
    '../_base_/default_runtime.py',
]
# the model base's loss_weight=1/80 is COCO's 1/num_classes (checked by the config tests)
model = dict(head=dict(num_classes={{_base_.num_classes}}))
train_dataloader = dict(batch_size=4)  # 1 GPU x 4 images, as the official scripts
