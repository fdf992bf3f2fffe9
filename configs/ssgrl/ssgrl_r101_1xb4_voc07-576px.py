# SSGRL, ResNet-101, PASCAL VOC 2007 trainval -> test at 576 px: the official protocol
# (HCPLab-SYSU/SSGRL main_voc07.sh, main.py, utils/transforms.py, datasets/voc07dataset.py):
# difficult-only classes are negatives in training and in the test mAP, all-point VOC AP on the
# test set every epoch, best epoch kept. Paper: 93.4 mAP (ImageNet init).
# The standard VOC protocol (difficult ignored): ssgrl_r101_1xb4_voc07-ignore-difficult-576px.py;
# honest selection on a held-out split: ssgrl_r101_1xb4_voc07-holdout-576px.py.
_base_ = [
    '../_base_/models/ssgrl_r101.py',
    '../_base_/datasets/voc07_multilabel_576px.py',
    '../_base_/schedules/adam_1e-5_bs4.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes={{_base_.num_classes}},
                       embedding_file={{_base_.label_embedding_file}},
                       graph_file={{_base_.label_graph_file}}))
train_dataloader = dict(batch_size=4)  # 1 GPU x 4 images, as the official scripts
