"""The Query2Label config trains as the official main_mlc.py (SlongLiu/query2labels): the EMA
starts from the initial weights (first update 0.9997 θ_0 + 0.0003 θ_1, main_mlc.py:341-342,
494-495, 630-631), and the learning rate and Adam's beta1 follow torch's ``OneCycleLR`` over the
whole schedule (main_mlc.py:328, stepped after every iteration, main_mlc.py:492). Each run is a
real mmengine Runner on a toy float64 model."""
import copy
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
Q2L_COCO = osp.join(REPO, 'configs/query2label/query2label_r101_1xb64_coco-448px.py')
DECAY = 0.9997  # main_mlc.py:96 --ema-decay


class ToyModel(BaseModel):
    """y = W x + b in float64, initialised by ``init_cfg`` to values PyTorch's default never
    gives (so an EMA copied before initialisation would show); loss = sum of y²."""

    def __init__(self):
        super().__init__(init_cfg=dict(type='Constant', layer='Linear', val=0.5, bias=0.25))
        self.fc = nn.Linear(3, 2).double()

    def forward(self, inputs, data_samples=None, mode='tensor'):
        y = self.fc(torch.stack(inputs).double())
        return dict(loss=(y**2).sum()) if mode == 'loss' else y


class Recorder(Hook):
    """Weights of the model and its EMA after initialisation and after every iteration, and
    the lr and beta1 each iteration trains with."""
    priority = 'LOWEST'  # after the EMA hook and the schedulers

    def __init__(self):
        self.weights, self.ema, self.lr, self.beta1 = [], [], [], []

    def _ema_hook(self, runner):
        return next(h for h in runner.hooks if hasattr(h, 'ema_model'))

    def _record(self, runner):
        model = runner.model
        self.weights.append(copy.deepcopy(model.state_dict()))
        if any(hasattr(h, 'ema_model') for h in runner.hooks):
            self.ema.append(copy.deepcopy(self._ema_hook(runner).ema_model.module.state_dict()))

    def before_train(self, runner):
        self._record(runner)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        group = runner.optim_wrapper.optimizer.param_groups[0]
        self.lr.append(group['lr'])
        self.beta1.append(group.get('betas', (None, ))[0])

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self._record(runner)


def train(work_dir,
          custom_hooks=(),
          optim_wrapper=None,
          param_scheduler=None,
          max_iters=3,
          epoch_length=3,
          checkpoint=None,
          resume_from=None):
    """A real Runner over ``epoch_length`` one-sample batches; returns its recorder."""
    recorder = Recorder()
    dataset = [dict(inputs=torch.tensor([1., 2., 0.5]) * (i + 1)) for i in range(epoch_length)]
    runner = Runner(model=ToyModel(),
                    work_dir=str(work_dir),
                    train_dataloader=dict(dataset=dataset,
                                          sampler=dict(type='DefaultSampler', shuffle=False),
                                          batch_size=1,
                                          collate_fn=dict(type='pseudo_collate')),
                    optim_wrapper=optim_wrapper or dict(optimizer=dict(type='SGD', lr=0.05)),
                    param_scheduler=param_scheduler,
                    train_cfg=dict(by_epoch=False, max_iters=max_iters) if param_scheduler is None
                    else dict(by_epoch=True, max_epochs=max_iters // epoch_length),
                    custom_hooks=[*custom_hooks, recorder],
                    default_hooks=dict(checkpoint=checkpoint,
                                       logger=dict(type='LoggerHook', interval=100)),
                    load_from=resume_from,
                    resume=resume_from is not None,
                    default_scope='mmpretrain',
                    log_level='WARNING')
    runner.train()
    return recorder


def q2l_ema_hook():
    hooks = [h for h in Config.fromfile(Q2L_COCO).custom_hooks if 'EMA' in h['type']]
    assert len(hooks) == 1
    return dict(hooks[0])


def test_config_ema_starts_from_the_initial_weights(tmp_path):
    hook = q2l_ema_hook()
    assert hook['type'] == 'InitialWeightsEMAHook' and hook['momentum'] == pytest.approx(3e-4)
    rec = train(tmp_path, custom_hooks=[hook])
    theta = [w['fc.weight'] for w in rec.weights]
    ema = [e['fc.weight'] for e in rec.ema]
    assert (theta[0] == 0.5).all()  # θ_0: after initialisation, not PyTorch's default
    assert not torch.equal(theta[1], theta[0])
    # before the first update the EMA is θ_0
    torch.testing.assert_close(ema[0], theta[0], rtol=0, atol=0)
    expected = theta[0]
    for t in range(1, 4):  # ModelEma.update: decay * e + (1 - decay) * m
        expected = DECAY * expected + (1 - DECAY) * theta[t]
        torch.testing.assert_close(ema[t], expected, rtol=0, atol=1e-15)
    torch.testing.assert_close(ema[1], 0.9997 * theta[0] + 0.0003 * theta[1], rtol=0, atol=1e-15)
    for e, w in zip(rec.ema, rec.weights):  # bias likewise
        assert set(e) == set(w)


def test_mmengine_ema_hook_copies_the_first_update_instead(tmp_path):
    """What the plain EMAHook (the previous config) does: θ_ema,1 = θ_1."""
    rec = train(tmp_path, custom_hooks=[dict(type='EMAHook', momentum=1 - DECAY)])
    torch.testing.assert_close(rec.ema[1]['fc.weight'], rec.weights[1]['fc.weight'], rtol=0, atol=0)


def test_delayed_start_averages_from_the_weights_at_the_start(tmp_path):
    """A later start (``begin_iter=2``: mmengine updates from the iteration where
    ``iter + 1 >= begin_iter``) as the official ``--ema-epoch``: a copy of the weights until
    the start, then averaged from the first update."""
    rec = train(tmp_path, custom_hooks=[dict(q2l_ema_hook(), begin_iter=2)])
    theta = [w['fc.weight'] for w in rec.weights]
    ema = [e['fc.weight'] for e in rec.ema]
    torch.testing.assert_close(ema[1], theta[1], rtol=0, atol=0)  # a copy until it starts
    torch.testing.assert_close(ema[2],
                               DECAY * theta[1] + (1 - DECAY) * theta[2],
                               rtol=0,
                               atol=1e-15)


def test_resumed_run_continues_the_average(tmp_path):
    hook = q2l_ema_hook()
    full = train(tmp_path / 'full', custom_hooks=[hook])
    train(tmp_path / 'part',
          custom_hooks=[hook],
          max_iters=2,
          checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2))
    resumed = train(tmp_path / 'resumed',
                    custom_hooks=[hook],
                    resume_from=str(tmp_path / 'part' / 'iter_2.pth'))
    assert len(resumed.ema) == 2  # before_train and iteration 3
    torch.testing.assert_close(resumed.ema[0]['fc.weight'],
                               full.ema[2]['fc.weight'],
                               rtol=0,
                               atol=0)
    torch.testing.assert_close(resumed.ema[1]['fc.weight'],
                               full.ema[3]['fc.weight'],
                               rtol=0,
                               atol=0)


def test_lr_and_beta1_follow_torch_one_cycle_over_a_whole_schedule(tmp_path):
    """The config's optimizer and schedulers, shortened to 5 epochs of 7 iterations (same shape:
    pct_start 0.2, cosine), against torch's OneCycleLR as main_mlc.py:328 builds it."""
    cfg = Config.fromfile(Q2L_COCO)
    epochs, epoch_length = 5, 7
    schedulers = [dict(s, total_steps=epochs) for s in cfg.param_scheduler]
    assert [s['type'] for s in schedulers] == ['OneCycleLR', 'OneCycleMomentum']
    rec = train(tmp_path,
                optim_wrapper=cfg.optim_wrapper,
                param_scheduler=schedulers,
                max_iters=epochs * epoch_length,
                epoch_length=epoch_length)

    model = ToyModel()
    opt = torch.optim.AdamW(model.parameters(),
                            cfg.lr,
                            betas=(0.9, 0.999),
                            eps=1e-8,
                            weight_decay=1e-2)  # main_mlc.py:245-250
    sched = torch.optim.lr_scheduler.OneCycleLR(opt,
                                                max_lr=cfg.lr,
                                                steps_per_epoch=epoch_length,
                                                epochs=epochs,
                                                pct_start=0.2)
    lr, beta1 = [], []
    for _ in range(epochs * epoch_length):
        lr.append(opt.param_groups[0]['lr'])
        beta1.append(opt.param_groups[0]['betas'][0])
        opt.step()
        sched.step()
    assert len(rec.lr) == len(lr) == 35
    assert max(abs(a - b) for a, b in zip(rec.lr, lr)) <= 1e-12 * cfg.lr
    assert max(abs(a - b) for a, b in zip(rec.beta1, beta1)) <= 1e-12
    assert beta1[0] == 0.95 and min(beta1) == pytest.approx(0.85) and beta1[-1] > 0.949


def test_resumed_run_continues_the_beta1_schedule(tmp_path):
    """The momentum scheduler's state (a strategy name, no function) loads through the
    weights-only checkpoint loader and the resumed run continues the cycle."""
    schedulers = [
        dict(s, total_steps=4, end=4) for s in Config.fromfile(Q2L_COCO).param_scheduler
        if s['type'] == 'OneCycleMomentum'
    ]
    optim_wrapper = Config.fromfile(Q2L_COCO).optim_wrapper
    full = train(tmp_path / 'full',
                 optim_wrapper=optim_wrapper,
                 param_scheduler=schedulers,
                 max_iters=12,
                 epoch_length=3)
    train(tmp_path / 'part',
          optim_wrapper=optim_wrapper,
          param_scheduler=schedulers,
          max_iters=6,
          epoch_length=3,
          checkpoint=dict(type='CheckpointHook', interval=1))
    resumed = train(tmp_path / 'resumed',
                    optim_wrapper=optim_wrapper,
                    param_scheduler=schedulers,
                    max_iters=12,
                    epoch_length=3,
                    resume_from=str(tmp_path / 'part' / 'epoch_2.pth'))
    assert resumed.beta1 == full.beta1[6:] and len(set(full.beta1)) > 6
