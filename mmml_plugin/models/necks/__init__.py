from .semantic_decoupling_neck import SemanticDecouplingNeck

__all__ = ['SemanticDecouplingNeck']
