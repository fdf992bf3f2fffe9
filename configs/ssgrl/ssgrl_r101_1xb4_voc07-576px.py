# SSGRL, ResNet-101, PASCAL VOC 2007 trainval -> test at 576 px, the official recipe.
# Paper: 93.4 mAP (ImageNet init).
_base_ = [
    '../_base_/models/ssgrl_r101.py',
    '../_base_/datasets/voc07_multilabel_576px.py',
    '../_base_/schedules/adam_1e-5_bs4.py',
    '../_base_/default_runtime.py',
]
model = dict(
    head=dict(
        num_classes=20,
        embedding_file='data/voc/label_embeddings_glove.npz',
        graph_file='data/voc/label_graph_voc07trainval.npz'))
train_dataloader = dict(batch_size=4)  # 1 GPU x 4 images, as the official scripts
