# The official SSGRL recipe (HCPLab-SYSU/SSGRL main_coco.sh L22-26, L39; main_voc07.sh L21-25;
# main.py L125): Adam, lr 1e-5, no weight decay (main.py builds Adam without it), batch 4,
# constant learning rate (step_epoch is never used by main.py), 200 epochs, validated every epoch.
# The best epoch by val mAP and the last are kept (default_runtime.py's checkpoint hook).
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=1e-5, betas=(0.9, 0.999), weight_decay=0))
# No param_scheduler: the learning rate stays constant.
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr and batch size are the official ones for a single GPU: no automatic scaling.
auto_scale_lr = dict(base_batch_size=4, enable=False)
