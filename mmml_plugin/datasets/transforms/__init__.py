from .difficult_labels import DifficultAsPositive
from .loading import BadImageError, LoadImageChecked, load_image_checked
from .multi_scale_crop import MultiScaleCrop, Warp
from .rand_augment_pil import RandAugmentPIL
from .random_color_cutout import RandomColorCutout
from .random_square_crop_resize import RandomSquareCropResize

__all__ = ['BadImageError', 'LoadImageChecked', 'load_image_checked', 'RandomSquareCropResize']
__all__ += ['DifficultAsPositive', 'MultiScaleCrop', 'Warp', 'RandAugmentPIL', 'RandomColorCutout']
