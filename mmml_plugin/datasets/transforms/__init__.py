from .loading import BadImageError, LoadImageChecked, load_image_checked

__all__ = ['BadImageError', 'LoadImageChecked', 'load_image_checked']
