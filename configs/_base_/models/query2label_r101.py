# Query2Label (Liu et al. 2021; SlongLiu/query2labels): torchvision ResNet-101 with frozen
# BatchNorm (statistics and affine, lib/models/backbone.py:41-77, 111-115) whose stem and layer1
# are not trained (backbone.py:86-88), + Query2LabelHead (1 encoder, 2 decoder layers without
# self-attention, width 2048, FFN 8192, 4 heads, dropout 0.1: main_mlc.py:129-150 and the README
# "Train" command). Defaults are COCO-2014's 80 classes in category-id order (cocodataset.py:13).
_base_ = ['./resnet101_multilabel.py']

model = dict(
    backbone=dict(frozen_stages=1, norm_cfg=dict(type='BN', requires_grad=False), norm_eval=True),
    neck=None,
    head=dict(
        _delete_=True,
        type='Query2LabelHead',
        num_classes=80,
        in_channels=2048,
        embed_dims=2048,
        num_encoder_layers=1,
        num_decoder_layers=2,
        num_heads=4,
        feedforward_channels=8192,
        dropout=0.1,
        input_proj=False,  # no --keep_input_proj: input_proj = Identity (query2label.py:106-108)
        # ASL --gamma_pos 0 --gamma_neg 2 --dtgfl, clip 0, eps 1e-5 (main_mlc.py:54-65,
        # 233-238); x1000/C as aslloss.py:113
        loss=dict(type='DetachedAsymmetricLoss',
                  gamma_pos=0.,
                  gamma_neg=2.,
                  clip=0.,
                  eps=1e-5,
                  loss_weight=1000 / 80)))
