"""Losses not in mmpretrain's registry."""
from .detached_asymmetric_loss import DetachedAsymmetricLoss

__all__ = ['DetachedAsymmetricLoss']
