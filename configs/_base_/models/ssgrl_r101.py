# SSGRL (Chen et al. ICCV 2019): ResNet-101 to layer4 + SSGRLHead (semantic decoupling with a
# 2x2/s2 average pool first, 576 px -> 18x18 -> 9x9 map, then a 3-step gated graph network).
# The backbone (ResNet-101, stages 1-3 frozen as in the official code, ImageNet init) is the
# baseline's; SSGRL replaces its pooling neck and linear head.
# The dataset-dependent keys (num_classes, embedding_file, graph_file) are left to the config
# that combines this model with a dataset base, which reads them from that base once:
#     head=dict(num_classes={{_base_.num_classes}},
#               embedding_file={{_base_.label_embedding_file}},
#               graph_file={{_base_.label_graph_file}})
_base_ = ['./resnet101_multilabel.py']

model = dict(neck=None,
             head=dict(
                 _delete_=True,
                 type='SSGRLHead',
                 num_classes=None,
                 embedding_file=None,
                 graph_file=None,
                 in_channels=2048,
                 embed_dims=300,
                 inter_channels=1024,
                 pool=True,
                 out_channels=2048,
                 num_steps=3,
                 reset_gate='official',
                 loss=dict(type='CrossEntropyLoss', use_sigmoid=True),
                 avg_over_classes=True))  # BCE averaged over images x classes, as BCEWithLogitsLoss
