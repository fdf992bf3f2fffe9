# ML-GCN on the generated demo digits: the narrow, digit-pretrained ResNet-18 of
# configs/demo/ssgrl_r18_demo.py (128 channels at 8x8), the demo data and schedule (Adam 1e-3,
# 12 epochs), and MLGCNHead over the demo's label graph and 50-d word vectors. For the one-hot
# fallback (docs/own_data.md) pass
#   --cfg-options model.head.embedding_file=data/demo/label_embeddings_onehot.npz \
#       model.head.embed_dims=10
_base_ = [
    '../_base_/models/mlgcn_r101.py',
    '../_base_/datasets/demo_multilabel.py',
    '../_base_/schedules/adam_1e-3_demo.py',
    '../_base_/default_runtime.py',
]
data_root = 'data/demo/'
num_classes = 10
model = dict(backbone=dict(depth=18,
                           base_channels=16,
                           strides=(1, 2, 2, 1),
                           frozen_stages=-1,
                           zero_init_residual=False,
                           init_cfg=dict(type='Pretrained',
                                         prefix='backbone',
                                         checkpoint=data_root + 'digits_pretrained_r18.pth')),
             head=dict(num_classes=num_classes,
                       embedding_file=data_root + 'label_embeddings.npz',
                       graph_file=data_root + 'label_graph.npz',
                       in_channels=128,
                       embed_dims=50,
                       hidden_channels=64))
train_dataloader = dict(batch_size=16)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(max_keep_ckpts=1))
# the same numbers on every machine and thread count (within float summation order)
randomness = dict(seed=0, deterministic=True)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
