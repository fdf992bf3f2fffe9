# Ablation "without semantic interaction": the class-specific features of the semantic
# decoupling go straight to the per-class classifiers (no label graph, no gated graph network).
_base_ = './ssgrl_r101_1xb4_coco-576px.py'

model = dict(neck=dict(_delete_=True,
                       type='SemanticDecouplingNeck',
                       in_channels=2048,
                       embedding_file={{_base_.label_embedding_file}},
                       num_classes={{_base_.num_classes}},
                       embed_dims=300,
                       inter_channels=1024,
                       pool=True),
             head=dict(_delete_=True,
                       type='PerClassLinearClsHead',
                       num_classes={{_base_.num_classes}},
                       in_channels=2048,
                       loss=dict(type='CrossEntropyLoss', use_sigmoid=True),
                       avg_over_classes=True))
