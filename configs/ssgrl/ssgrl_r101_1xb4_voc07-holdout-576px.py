# SSGRL on VOC 2007 with honest model selection: the official recipe
# (ssgrl_r101_1xb4_voc07-576px.py), but the epoch is selected on a fixed 10% of trainval held out
# of training (holdout_list, made by tools/misc/make_holdout_split.py), and the test set
# (VOC 2007 test) is scored once, with that checkpoint:
#   python tools/train.py configs/ssgrl/ssgrl_r101_1xb4_voc07-holdout-576px.py
#   python tools/test.py configs/ssgrl/ssgrl_r101_1xb4_voc07-holdout-576px.py best
# The official code selects on the test set itself (main.py L146-159), which biases its number
# upward; see docs/reproduction.md.
_base_ = './ssgrl_r101_1xb4_voc07-576px.py'

train_dataloader = dict(dataset=dict(_delete_=True,
                                     type='ImageListSubset',
                                     dataset={{_base_.train_dataloader.dataset}},
                                     image_list={{_base_.holdout_list}},
                                     exclude=True))
val_dataloader = dict(dataset=dict(_delete_=True,
                                   type='ImageListSubset',
                                   dataset={{_base_.train_dataloader.dataset}},
                                   image_list={{_base_.holdout_list}},
                                   exclude=False,
                                   pipeline={{_base_.test_pipeline}},
                                   test_mode=True))
# test_dataloader / test_evaluator: the base's, VOC 2007 test
