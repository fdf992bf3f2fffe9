# SSGRL on the generated demo digits (`make demo`): a narrow ResNet-18 (base width 16, last stage
# stride 1 -> 8x8 maps of 128 channels at 115 px), initialised from the demo's digit-classification
# stage (configs/demo/resnet18_demo_pretrain.py, standing in for ImageNet weights) and trained on
# the CPU in minutes. It runs the whole pipeline end to end; it is not a benchmark.
_base_ = [
    '../_base_/models/ssgrl_r101.py',
    '../_base_/datasets/demo_multilabel.py',
    '../_base_/schedules/adam_1e-3_demo.py',
    '../_base_/default_runtime.py',
]
data_root = 'data/demo/'
classes = ('zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine')

model = dict(backbone=dict(depth=18,
                           base_channels=16,
                           strides=(1, 2, 2, 1),
                           frozen_stages=-1,
                           zero_init_residual=False,
                           init_cfg=dict(type='Pretrained',
                                         prefix='backbone',
                                         checkpoint=data_root + 'digits_pretrained_r18.pth')),
             head=dict(num_classes=len(classes),
                       classes=classes,
                       embedding_file=data_root + 'label_embeddings.npz',
                       graph_file=data_root + 'label_graph.npz',
                       in_channels=128,
                       embed_dims=50,
                       inter_channels=64,
                       pool=False,
                       out_channels=128))
train_dataloader = dict(batch_size=16)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(max_keep_ckpts=1))
# the same numbers on every machine and thread count (within float summation order)
randomness = dict(seed=0, deterministic=True)
# CPU demo: multi-process runs (tools/dist_train.sh) use gloo.
env_cfg = dict(dist_cfg=dict(backend='gloo'))
