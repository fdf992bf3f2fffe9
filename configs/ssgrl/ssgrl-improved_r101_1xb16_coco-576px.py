# SSGRL-R101 on COCO-2014 at 576 px with a modern recipe, from mmpretrain/mmengine parts only:
# asymmetric loss, EMA of the weights, RandAugment, AdamW with linear warm-up + cosine decay, the
# whole backbone trained, the one-step cv2 crop (about 2x cheaper than the official PIL chain)
# plus flip. Mixed precision on a GPU: `tools/train.py ... --amp`. NOT YET TRAINED ON COCO: no
# published or measured mAP. Unlike configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py, nothing here
# reproduces the paper.
_base_ = './ssgrl_r101_1xb4_coco-576px.py'

max_epochs = 40
batch_size = 16
lr = 1e-4

model = dict(
    backbone=dict(frozen_stages=-1),
    head=dict(
        # ASL (Ridnik et al. 2021) sums over classes: average over images only
        loss=dict(type='AsymmetricLoss', gamma_pos=0.0, gamma_neg=4.0, clip=0.05),
        avg_over_classes=False))

train_pipeline = [
    dict(type='LoadImageChecked'),
    dict(type='RandomSquareCropResize',
         scale=640,
         crop_sizes=(640, 576, 512, 384, 320),
         out_size=576,
         backend='cv2'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment',
         policies='timm_increasing',
         num_policies=2,
         total_level=10,
         magnitude_level=7,
         magnitude_std=0.5,
         hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic')),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=batch_size, dataset=dict(pipeline=train_pipeline))

optim_wrapper = dict(
    type='OptimWrapper',  # tools/train.py --amp makes it an AmpOptimWrapper on a GPU
    optimizer=dict(_delete_=True, type='AdamW', lr=lr, betas=(0.9, 0.999), weight_decay=1e-4),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
param_scheduler = [
    dict(type='LinearLR',
         start_factor=1e-3,
         by_epoch=True,
         begin=0,
         end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR',
         T_max=max_epochs - 1,
         by_epoch=True,
         begin=1,
         end=max_epochs,
         eta_min=lr * 1e-2),
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=batch_size)

custom_hooks = [
    dict(type='BadImageReportHook'),
    # validation and checkpoints use the EMA weights
    dict(type='EMAHook', momentum=2e-4, priority='ABOVE_NORMAL'),
]
