# ML-GCN on your own data (docs/own_data.md): ResNet-18 (ImageNet), CSV annotations, 224 px.
_base_ = [
    './_base_/mlgcn_r18.py',
    './_base_/csv_multilabel_224px.py',
    './_base_/adam_1e-4_cosine_12e.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes={{_base_.num_classes}},
                       embedding_file={{_base_.label_embedding_file}},
                       graph_file={{_base_.label_graph_file}}))
