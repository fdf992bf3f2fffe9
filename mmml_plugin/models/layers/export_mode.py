"""Whether the running forward is being exported to ONNX, without importing ``torch.onnx``."""
import sys


def is_exporting_onnx() -> bool:
    """``torch.onnx.is_in_onnx_export()``, False at no cost where ``torch.onnx`` was never
    imported (``torch`` loads it lazily, a third of a second on first use): no export can run
    without it."""
    onnx = sys.modules.get('torch.onnx')
    return onnx is not None and onnx.is_in_onnx_export()
