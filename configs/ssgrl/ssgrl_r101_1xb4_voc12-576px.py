# SSGRL, ResNet-101, PASCAL VOC 2012 as the paper (HCPLab-SYSU/SSGRL main_voc12.sh): train on
# trainval for 200 epochs, then `tools/test.py` writes the evaluation server's files
# (<work_dir>/voc_devkit_results/results/VOC2012/Main/comp1_cls_test_<class>.txt) for the test
# set; the server reports the mAP. The local train -> val protocol:
# ssgrl_r101_1xb4_voc12-train-val-576px.py.
_base_ = [
    '../_base_/models/ssgrl_r101.py',
    '../_base_/datasets/voc12_multilabel_576px.py',
    '../_base_/schedules/adam_1e-5_bs4.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes={{_base_.num_classes}},
                       embedding_file={{_base_.label_embedding_file}},
                       graph_file={{_base_.label_graph_file}}))
train_dataloader = dict(batch_size=4)  # 1 GPU x 4 images, as the official scripts
val_cfg = None  # no labelled split to validate on: the last epoch is submitted
