# SSGRL, ResNet-101, COCO-2014 at 576 px: the official protocol (HCPLab-SYSU/SSGRL main_coco.sh,
# main.py, utils/transforms.py): Adam 1e-5, batch 4, stages 1-3 frozen, BCE, PIL two-step
# transforms without flip, all-point VOC AP on the test set (val2014) every epoch, best epoch
# kept. Paper: 83.8 mAP on val2014. Element by element: docs/reproduction.md.
# Selection on the test set is what the official code does; for an honest number use
# ssgrl_r101_1xb4_coco-holdout-576px.py.
_base_ = [
    '../_base_/models/ssgrl_r101.py',
    '../_base_/datasets/coco2014_multilabel_576px.py',
    '../_base_/schedules/adam_1e-5_bs4.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes={{_base_.num_classes}},
                       embedding_file={{_base_.label_embedding_file}},
                       graph_file={{_base_.label_graph_file}}))
train_dataloader = dict(batch_size=4)  # 1 GPU x 4 images, as the official scripts
