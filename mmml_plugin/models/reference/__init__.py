"""Paper-literal reference implementations, the oracles of the optimised modules (not
registered; imported only by tests and benchmarks): SSGRL, ML-GCN and Query2Label written from
the papers' and official code's equations step by step."""
from .mlgcn_reference import LiteralMLGCN, literal_gen_a
from .query2label_reference import LiteralQuery2Label, literal_sine_encoding
from .ssgrl_reference import LiteralGGNN, LiteralSemanticDecoupling, LiteralSSGRLHead

__all__ = [
    'LiteralGGNN', 'LiteralSemanticDecoupling', 'LiteralSSGRLHead', 'LiteralMLGCN', 'literal_gen_a',
    'LiteralQuery2Label', 'literal_sine_encoding'
]
