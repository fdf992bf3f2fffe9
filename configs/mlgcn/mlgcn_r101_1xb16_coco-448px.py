# ML-GCN, ResNet-101, COCO 2014 at 448 px: the official recipe (demo_coco_gcn.py + engine.py).
# Published: 83.0 mAP (ML-GCN README, "Update" table). Label files: configs/mlgcn/README.md.
_base_ = [
    '../_base_/models/mlgcn_r101.py',
    '../_base_/datasets/coco2014_multilabel_576px.py',
    '../_base_/schedules/sgd_lr0.1_lrp0.1_mlgcn.py',
    '../_base_/default_runtime.py',
]
image_size = 448  # demo_coco_gcn.py:11

# engine.py:128-142: MultiScaleCrop + flip for training, Warp (plain 448x448 resize) for testing,
# both PIL bilinear; ImageNet mean/std (models.py:66-67) are the data preprocessor's.
train_pipeline = [
    dict(type='LoadImageChecked'),
    dict(type='MultiScaleCrop',
         input_size=image_size,
         scales=(1.0, 0.875, 0.75, 0.66, 0.5),
         max_distort=2),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageChecked'),
    dict(type='Warp', size=image_size),
    dict(type='PackInputs'),
]
# batch 16 (demo_coco_gcn.py:23). coco.py:72-74 skips images without annotations:
# val2014 has 40,137 images, not 40,504.
train_dataloader = dict(batch_size=16, dataset=dict(empty_images='drop', pipeline=train_pipeline))
val_dataloader = dict(batch_size=16, dataset=dict(empty_images='drop', pipeline=test_pipeline))
test_dataloader = val_dataloader
# util.py:228-248: non-interpolated AP (precision at each positive, averaged): 'sklearn' mode
val_evaluator = dict(type='MultiLabelMAP', ap_mode='sklearn')
test_evaluator = val_evaluator
# the official engine keeps the epoch with the best validation mAP (engine.py:206-214)
default_hooks = dict(checkpoint=dict(save_best='multi-label/mAP', rule='greater', max_keep_ckpts=1))
