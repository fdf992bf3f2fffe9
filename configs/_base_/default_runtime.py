default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmml_plugin'], allow_failed_imports=False)

# MMMLRunner: mmengine's Runner that also starts multi-process training on CPU-only machines.
runner_type = 'MMMLRunner'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # checkpoints and the last_checkpoint pointer are written atomically (temp file + rename);
    # kept: the last epoch and the best epoch by the headline val mAP
    # (best_multi-label_mAP_epoch_N.pth, not counted by max_keep_ckpts), as the official SSGRL
    # main.py L152-159 / L244-248 keeps checkpoint_<post> and model_best_<post>
    checkpoint=dict(type='AtomicCheckpointHook',
                    interval=1,
                    max_keep_ckpts=1,
                    save_best='multi-label/mAP',
                    rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
    # stop on a NaN/inf loss with the iteration and the batch's image paths
    non_finite_loss=dict(type='NonFiniteLossHook'),
    # reseed random/numpy/torch per epoch so that a resumed run repeats the same augmentations
    epoch_seed=dict(type='EpochSeedHook'),
    # identical BatchNorm statistics on every rank before evaluation and saving
    sync_buffers=dict(type='SyncBuffersHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=None, deterministic=False)
