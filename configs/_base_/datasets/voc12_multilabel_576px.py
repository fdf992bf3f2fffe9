# PASCAL VOC 2012 multi-label: train on train (5,717 images), evaluate on val (5,823); the test
# labels are not public. Same transforms and difficult policy as voc07_multilabel_576px.py.
_base_ = ['./voc07_multilabel_576px.py']

data_root = 'data/voc/VOC2012/'
label_graph_file = 'data/voc/label_graph_voc12train.npz'
train_dataloader = dict(dataset=dict(data_root=data_root, split='train'))
val_dataloader = dict(dataset=dict(data_root=data_root, split='val'))
test_dataloader = val_dataloader
