# The official SSGRL recipe (main_coco.sh / main_voc07.sh): Adam, lr 1e-5, no weight decay, batch
# 4, constant learning rate (its step_epoch is never reached), up to 200 epochs, the best epoch
# by validation mAP kept.
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-5, betas=(0.9, 0.999),
                                        weight_decay=0))
# No param_scheduler: the learning rate stays constant.
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr and batch size are the official ones for a single GPU: no automatic scaling.
auto_scale_lr = dict(base_batch_size=4, enable=False)
