# ML-GCN's official schedule (demo_coco_gcn.py / demo_voc2007_gcn.py defaults, engine.py):
# SGD, momentum 0.9, weight decay 1e-4 on every parameter, head lr 0.1, backbone lr 0.1 x lrp 0.1
# (models.py:85-90), gradient norm clipped at 10 (engine.py:424), batch 16, 20 epochs. The lr is
# x0.1 at the epochs of --epoch_step, default [30]: never reached in 20 epochs (engine.py:313-320),
# so it stays constant. (The configs keep the best validation epoch, engine.py:206-214.)
lr, lrp = 0.1, 0.1
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=lr, momentum=0.9, weight_decay=1e-4),
                     paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=lrp)}),
                     clip_grad=dict(max_norm=10.0))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[30], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=16, enable=False)
