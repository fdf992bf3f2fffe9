# PASCAL VOC 2012, the local protocol: train on train (5,717 images), evaluate on val (5,823),
# both with labels. Not the paper's protocol (trainval -> test server: voc12_multilabel_576px.py).
_base_ = ['./voc07_multilabel_576px.py']

data_root = 'data/voc/VOC2012/'
label_graph_file = data_root + 'label_graph_voc12train.npz'
label_embedding_file = data_root + 'label_embeddings_glove.npz'
holdout_list = data_root + 'holdout_train_10pct_seed0.txt'
train_dataloader = dict(dataset=dict(data_root=data_root, split='train'))
val_dataloader = dict(dataset=dict(data_root=data_root, split='val'))
test_dataloader = val_dataloader
