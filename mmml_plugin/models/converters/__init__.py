"""State-dict converters from the official ML-GCN and Query2Label code to this plugin."""
from .mlgcn import convert_official_mlgcn
from .query2label import convert_official_query2label

__all__ = ['convert_official_mlgcn', 'convert_official_query2label']
