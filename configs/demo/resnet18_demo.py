# The ResNet baseline of the demo (global average pooling + linear head), same narrow ResNet-18,
# data and schedule as configs/demo/ssgrl_r18_demo.py.
_base_ = [
    '../_base_/models/resnet101_multilabel.py',
    '../_base_/datasets/demo_multilabel.py',
    '../_base_/schedules/adam_3e-3_demo.py',
    '../_base_/default_runtime.py',
]
num_classes = 10
model = dict(
    # from scratch: zero-initialised residual branches learnt too slowly for a CPU demo
    backbone=dict(depth=18, base_channels=32, strides=(1, 2, 2, 1), frozen_stages=-1,
                  zero_init_residual=False, init_cfg=None),
    head=dict(num_classes=num_classes, in_channels=256,
              loss=dict(loss_weight=1 / num_classes)))
train_dataloader = dict(batch_size=16)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(max_keep_ckpts=1))
randomness = dict(seed=0)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
