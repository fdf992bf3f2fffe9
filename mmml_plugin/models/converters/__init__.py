"""State-dict converters from the official SSGRL, ML-GCN and Query2Label code to this plugin,
on one base (:class:`OfficialConverter`); the ``convert_official_*`` functions call them."""
from .base import OfficialConverter
from .mlgcn import MLGCNConverter, convert_official_mlgcn
from .query2label import Query2LabelConverter, convert_official_query2label
from .ssgrl import SSGRLConverter, convert_official_ssgrl

__all__ = [
    'OfficialConverter', 'SSGRLConverter', 'MLGCNConverter', 'Query2LabelConverter',
    'convert_official_ssgrl', 'convert_official_mlgcn', 'convert_official_query2label'
]
