# Query2Label, ResNet-101, COCO 2014 at 448 px: the official recipe (README "Train", single
# process: batch 64, lr 1e-4, AdamW, weight decay 1e-2, 80 epochs with early stop, OneCycle, EMA
# 0.9997, cutout + RandAugment, AMP). Published: 84.9 mAP (README "Pretrianed Models":
# Q2L-R101-448).
# AMP: `tools/train.py ... --amp` (needs a GPU).
_base_ = [
    '../_base_/models/query2label_r101.py',
    '../_base_/datasets/coco2014_multilabel_576px.py',
    '../_base_/default_runtime.py',
]
image_size = 448
max_epochs = 80
lr = 1e-4

# ImageNet initialisation: torchvision's ResNet-101 (lib/models/backbone.py:111-115:
# torchvision.models.resnet101(pretrained=True)), whose BatchNorm statistics the frozen BatchNorm
# keeps; torchvision://resnet101 is resnet101-63fe2227.pth (README.md). Offline, pass the file:
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH/resnet101-63fe2227.pth
model = dict(backbone=dict(init_cfg=dict(checkpoint='torchvision://resnet101', prefix=None)))

# lib/dataset/get_dataset.py:17-33: Resize((448, 448)) (PIL bilinear = Warp), SLCutoutPIL,
# RandAugment; no flip; test: Resize((448, 448)). ImageNet mean/std (get_dataset.py:13-14).
# Images: torchvision's CocoDetection (cocodataset.py:19, 44), Image.open(path).convert('RGB'):
# Pillow, EXIF orientation not applied.
load_image = dict(type='LoadImageChecked', imdecode_backend='pillow', ignore_orientation=True)
# Cutout: SLCutoutPIL(n_holes=1, length=-1) (get_dataset.py:25; main_mlc.py:117-122 defaults; the
# README's --cut_fact 0.5 is never passed on): a 3x3 box of a random colour. RandAugment: the
# PyPI `randaugment` 1.0.2 package (get_dataset.py:4, 18). Both rebuilt on the same random draws
# (RandomColorCutout, RandAugmentPIL; docs/reproduction.md).
train_pipeline = [
    load_image,
    dict(type='Warp', size=image_size),
    dict(type='RandomColorCutout', n_holes=1, length=-1),
    dict(type='RandAugmentPIL'),
    dict(type='PackInputs'),
]
test_pipeline = [
    load_image,
    dict(type='Warp', size=image_size),
    dict(type='PackInputs'),
]
# all val2014 images (torchvision CocoDetection, cocodataset.py:19): 40,504, empty ones included.
# The official loader drops the last partial batch (main_mlc.py:299-301: drop_last=True; 82,783
# images / 64 = 1,293 iterations per epoch).
train_dataloader = dict(batch_size=64,
                        drop_last=True,
                        dataset=dict(empty_images='keep', pipeline=train_pipeline))
val_dataloader = dict(batch_size=64, dataset=dict(empty_images='keep', pipeline=test_pipeline))
test_dataloader = val_dataloader
# lib/utils/metric.py:5-57: VOC all-point interpolated AP on sigmoid scores: 'voc' mode
val_evaluator = dict(type='MultiLabelMAP', ap_mode='voc')
test_evaluator = val_evaluator

# AdamW over every trainable parameter, weight decay 1e-2 on all of them (main_mlc.py:242-250);
# OneCycleLR max_lr 1e-4, pct_start 0.2, stepped every iteration (main_mlc.py:328, 492), cosine,
# torch's div_factor 25 / final_div_factor 1e4. torch's OneCycleLR also cycles Adam's beta1
# (cycle_momentum, on by default): 0.95 -> 0.85 at the lr peak -> 0.95, starting at 0.95 whatever
# the optimizer's betas say; OneCycleMomentum with the same steps gives that half
# (tests/models/test_query2label_training.py: both equal to torch's over a whole schedule).
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='AdamW',
                                    lr=lr,
                                    betas=(0.9, 0.999),
                                    eps=1e-8,
                                    weight_decay=1e-2))
one_cycle = dict(pct_start=0.2, by_epoch=True, total_steps=max_epochs, convert_to_iter_based=True)
param_scheduler = [
    dict(type='OneCycleLR', eta_max=lr, **one_cycle),
    dict(type='OneCycleMomentum', base_momentum=0.85, max_momentum=0.95, **one_cycle),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64, enable=False)

custom_hooks = [
    dict(type='BadImageReportHook'),
    # ModelEma(decay 0.9997) made from the initial weights before the first epoch and updated
    # after every step (main_mlc.py:229, 341-342, 494-495, 609-631): the first update is
    # 0.9997 θ_0 + 0.0003 θ_1 (mmengine's EMAHook would copy θ_1). Here validation and
    # checkpoints use the EMA weights (the official code validates both and keeps the better,
    # main_mlc.py:381-391)
    dict(type='InitialWeightsEMAHook', momentum=1 - 0.9997, priority='ABOVE_NORMAL'),
    # --early-stop: stop 8 epochs after the best (main_mlc.py:422-431, simplified)
    dict(type='EarlyStoppingHook', monitor='multi-label/mAP', rule='greater', patience=8),
]
default_hooks = dict(checkpoint=dict(save_best='multi-label/mAP', rule='greater', max_keep_ckpts=1))
