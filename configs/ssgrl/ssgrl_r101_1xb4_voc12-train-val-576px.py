# SSGRL on VOC 2012 with the local protocol: train on train, evaluate on val (labels public).
# Not the paper's protocol (trainval -> test server): ssgrl_r101_1xb4_voc12-576px.py.
_base_ = [
    '../_base_/models/ssgrl_r101.py',
    '../_base_/datasets/voc12_multilabel_576px_train-val.py',
    '../_base_/schedules/adam_1e-5_bs4.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes={{_base_.num_classes}},
                       embedding_file={{_base_.label_embedding_file}},
                       graph_file={{_base_.label_graph_file}}))
train_dataloader = dict(batch_size=4)  # 1 GPU x 4 images, as the official scripts
