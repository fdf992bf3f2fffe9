# ML-GCN, ResNet-101, COCO 2014 at 448 px: the official recipe (demo_coco_gcn.py + engine.py).
# Published: 83.0 mAP (ML-GCN README, "Update" table). Label files: configs/mlgcn/README.md.
_base_ = [
    '../_base_/models/mlgcn_r101.py',
    '../_base_/datasets/coco2014_multilabel_576px.py',
    '../_base_/schedules/sgd_lr0.1_lrp0.1_mlgcn.py',
    '../_base_/default_runtime.py',
]
image_size = 448  # demo_coco_gcn.py:11
# ImageNet initialisation: torchvision's ResNet-101 weights, the format and file of
# `models.resnet101(pretrained=True)` (models.py:94-95 as first published, commit 311f521; the
# default is pretrained=False since 4ba3840: configs/mlgcn/README.md). `torchvision://resnet101`
# downloads resnet101-63fe2227.pth; offline, pass the file:
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH/resnet101-63fe2227.pth
model = dict(backbone=dict(init_cfg=dict(checkpoint='torchvision://resnet101', prefix=None)))
# decoding as the official COCO2014.get (coco.py:130): Image.open(path).convert('RGB'), Pillow,
# EXIF orientation not applied
load_image = dict(type='LoadImageChecked', imdecode_backend='pillow', ignore_orientation=True)

# engine.py:128-142: MultiScaleCrop + flip for training, Warp (plain 448x448 resize) for testing,
# both PIL bilinear; ImageNet mean/std (models.py:66-67) are the data preprocessor's.
train_pipeline = [
    load_image,
    dict(type='MultiScaleCrop',
         input_size=image_size,
         scales=(1.0, 0.875, 0.75, 0.66, 0.5),
         max_distort=2),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    load_image,
    dict(type='Warp', size=image_size),
    dict(type='PackInputs'),
]
# batch 16 (demo_coco_gcn.py:23), shuffled, the last partial batch kept (engine.py:157-159:
# DataLoader's default drop_last=False). coco.py:72-74 skips images without annotations:
# val2014 has 40,137 images, not 40,504.
train_dataloader = dict(batch_size=16, dataset=dict(empty_images='drop', pipeline=train_pipeline))
val_dataloader = dict(batch_size=16, dataset=dict(empty_images='drop', pipeline=test_pipeline))
test_dataloader = val_dataloader
# util.py:228-248: non-interpolated AP (precision at each positive, averaged): 'sklearn' mode
val_evaluator = dict(type='MultiLabelMAP', ap_mode='sklearn')
test_evaluator = val_evaluator
# the official engine keeps the epoch with the best validation mAP (engine.py:206-214)
default_hooks = dict(checkpoint=dict(save_best='multi-label/mAP', rule='greater', max_keep_ckpts=1))
