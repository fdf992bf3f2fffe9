# SSGRL on VOC 2007 with the standard evaluation protocol: classes whose only objects in an image
# are difficult are IGNORED in the AP (neither positive nor negative), as mmpretrain's VOC metrics
# and the VOC devkit. Everything else is ssgrl_r101_1xb4_voc07-576px.py (official protocol, where
# they are negatives). Scores from the two are not comparable.
_base_ = './ssgrl_r101_1xb4_voc07-576px.py'

val_evaluator = dict(type='MultiLabelMAP', ap_mode=['voc', 'sklearn'], difficult_as_positive=None)
test_evaluator = val_evaluator
