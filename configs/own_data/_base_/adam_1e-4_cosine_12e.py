# A short fine-tuning schedule for an ImageNet-initialised backbone on a small own data set:
# Adam 1e-4, cosine decay over 12 epochs, validated every epoch (the best epoch is kept,
# configs/_base_/default_runtime.py). Tune it for your data.
max_epochs = 12
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, weight_decay=0))
param_scheduler = dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, eta_min=1e-6)
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=8, enable=False)
