# VOC 2007 with SSGRL's difficult-label policy: difficult-only labels count as NEGATIVE in the
# evaluation (the standard protocol, voc07_multilabel_576px.py, ignores them).
_base_ = ['./voc07_multilabel_576px.py']

voc_difficult_as_positive = False
val_evaluator = dict(type='MultiLabelMAP', difficult_as_positive=False)
test_evaluator = val_evaluator
