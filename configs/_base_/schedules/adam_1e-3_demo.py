# Schedule of the demo models (from the digit-pretrained backbone) on the CPU: Adam 1e-3, cosine
# decay, 12 epochs (SSGRL; configs/demo/resnet18_demo.py overrides it with 3e-3 for 24 epochs).
# 12 epochs, not 6: at 6 SSGRL was still on the steep part of its curve and two runs differed by
# 2 mAP points with 1 vs 2 threads; at 12 they agree within 1 mAP (docs/benchmarks.md).
max_epochs = 12
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3, weight_decay=0))
param_scheduler = dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, eta_min=1e-5)
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=16, enable=False)
