"""Paper-literal reference implementations, the oracles of the optimised modules (not
registered; imported only by tests and benchmarks)."""
from .ssgrl_reference import (LiteralGGNN, LiteralSemanticDecoupling, LiteralSSGRLHead,
                              write_label_files)

__all__ = ['LiteralGGNN', 'LiteralSemanticDecoupling', 'LiteralSSGRLHead', 'write_label_files']
