"""Image files written byte by byte for the decoding tests, independently of OpenCV and Pillow:
PNGs of every colour type and bit depth, and decompression bombs (headers that declare far more
pixels than the few bytes that follow)."""
import struct
import zlib

import numpy as np

PNG_MAGIC = b'\x89PNG\r\n\x1a\n'
# PNG colour types
GREY, RGB, PALETTE, GREY_ALPHA, RGBA = 0, 2, 3, 4, 6
CHANNELS = {GREY: 1, RGB: 3, PALETTE: 1, GREY_ALPHA: 2, RGBA: 4}


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack('>I', len(data)) + kind + data + struct.pack(
        '>I',
        zlib.crc32(kind + data) & 0xffffffff)


def png_bytes(pixels: np.ndarray,
              bit_depth: int,
              color_type: int,
              palette: np.ndarray = None,
              transparency: bytes = None) -> bytes:
    """A PNG holding ``pixels`` exactly (no filtering, no interlacing).

    Args:
        pixels (np.ndarray): (H, W) or (H, W, C) unsigned integers below ``2 ** bit_depth``;
            C as the colour type says (palette: indices).
        bit_depth (int): 1, 2, 4, 8 or 16.
        color_type (int): ``GREY``, ``RGB``, ``PALETTE``, ``GREY_ALPHA`` or ``RGBA``.
        palette (np.ndarray, optional): (N, 3) uint8 colours of a palette image.
        transparency (bytes, optional): the tRNS chunk (palette: one alpha per entry).
    """
    height, width = pixels.shape[:2]
    flat = pixels.reshape(height, width * CHANNELS[color_type]).astype(np.uint32)
    if bit_depth == 16:
        rows = [row.astype('>u2').tobytes() for row in flat]
    elif bit_depth == 8:
        rows = [row.astype(np.uint8).tobytes() for row in flat]
    else:  # pack several samples per byte, most significant bits first
        per_byte = 8 // bit_depth
        padded = np.zeros((height, -(-flat.shape[1] // per_byte) * per_byte), np.uint32)
        padded[:, :flat.shape[1]] = flat
        groups = padded.reshape(height, -1, per_byte)
        shifts = bit_depth * np.arange(per_byte - 1, -1, -1)
        rows = [(group << shifts).sum(axis=1).astype(np.uint8).tobytes() for group in groups]
    raw = b''.join(b'\x00' + row for row in rows)  # filter type 0 (none) on every row
    out = PNG_MAGIC + png_chunk(
        b'IHDR', struct.pack('>IIBBBBB', width, height, bit_depth, color_type, 0, 0, 0))
    if palette is not None:
        out += png_chunk(b'PLTE', np.asarray(palette, np.uint8).tobytes())
    if transparency is not None:
        out += png_chunk(b'tRNS', transparency)
    return out + png_chunk(b'IDAT', zlib.compress(raw)) + png_chunk(b'IEND', b'')


def png_bomb(width: int, height: int) -> bytes:
    """An 8-bit RGB PNG header declaring ``width`` x ``height`` pixels, followed by two rows.

    A decoder that trusts the header allocates ``3 * width * height`` bytes first; the file is
    a few hundred bytes (50000 x 50000: 7.5 GB declared).
    """
    rows = zlib.compress(b'\x00' * (2 * (3 * width + 1)), 9)
    return (PNG_MAGIC +
            png_chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, RGB, 0, 0, 0)) +
            png_chunk(b'IDAT', rows) + png_chunk(b'IEND', b''))


def jpeg_bomb(jpeg: bytes, width: int, height: int) -> bytes:
    """A real JPEG whose frame header (SOF0) is rewritten to declare ``width`` x ``height``."""
    sof = jpeg.index(b'\xff\xc0')
    # SOF0: marker (2), length (2), precision (1), height (2), width (2)
    return jpeg[:sof + 5] + struct.pack('>HH', height, width) + jpeg[sof + 9:]
