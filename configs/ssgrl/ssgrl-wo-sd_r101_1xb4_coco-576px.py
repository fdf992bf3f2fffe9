# Ablation "without semantic decoupling": every graph node starts from the same globally
# average-pooled image feature instead of its class-specific attention-pooled feature; the
# graph interaction, classifier and recipe are unchanged.
_base_ = './ssgrl_r101_1xb4_coco-576px.py'

model = dict(neck=dict(_delete_=True, type='GlobalAveragePooling'),
             head=dict(_delete_=True,
                       type='GraphInteractionHead',
                       num_classes={{_base_.num_classes}},
                       graph_file={{_base_.label_graph_file}},
                       in_channels=2048,
                       out_channels=2048,
                       num_steps=3,
                       reset_gate='official',
                       loss=dict(type='CrossEntropyLoss', use_sigmoid=True),
                       avg_over_classes=True))
