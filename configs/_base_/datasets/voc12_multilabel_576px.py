# PASCAL VOC 2012 multi-label as the paper (HCPLab-SYSU/SSGRL main_voc12.sh L11-18): train on
# trainval (11,540 images), predict test (10,991 images, labels not public) and submit the
# predictions to the evaluation server: the test evaluator writes the VOC devkit classification
# files results/VOC2012/Main/comp<N>_cls_test_<class>.txt (tools/test.py; N = voc_devkit_comp).
# No validation during training (the official loop "validates" on test with placeholder labels,
# datasets/voc12dataset.py L25-27); the last epoch is submitted.
# The local protocol (train -> val with labels) is voc12_multilabel_576px_train-val.py.
# Same transforms and difficult policy as voc07_multilabel_576px.py.
_base_ = ['./voc07_multilabel_576px.py']

data_root = 'data/voc/VOC2012/'
label_graph_file = data_root + 'label_graph_voc12trainval.npz'
label_embedding_file = data_root + 'label_embeddings_glove.npz'
holdout_list = data_root + 'holdout_trainval_10pct_seed0.txt'
voc_devkit_comp = 1  # comp1: trained on VOC data only (comp2: outside data, e.g. COCO init)
train_dataloader = dict(dataset=dict(data_root=data_root, split='trainval'))
val_dataloader = None
val_evaluator = None
test_dataloader = dict(dataset=dict(data_root=data_root, split='test'))
test_evaluator = dict(_delete_=True,
                      type='VOCDevkitClsWriter',
                      comp=voc_devkit_comp,
                      out_dir='voc_devkit_results')
