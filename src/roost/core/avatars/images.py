"""Avatar images: recognised by their content, made square and small, without metadata.

Blocking (Pillow): the service runs it in a worker thread. An image that is already a
small square without GPS data and upright is kept byte for byte, so the SHA-1 an XMPP
client named it by (XEP-0084) stays its id. Anything else (a photo from a phone) is
cropped to its centre square, scaled down and saved again, which drops EXIF, XMP and GPS:
PNG when it has transparency, JPEG otherwise (types every XMPP client shows).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from roost.core.files.images import GPS_IFD, IMAGE_TYPES

ORIENTATION = 0x0112
_BROKEN = (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, ValueError)


@dataclass(frozen=True, slots=True)
class AvatarImage:
    data: bytes
    content_type: str
    width: int
    height: int
    small: bytes  # a WebP square of `small_pixels`


@dataclass(frozen=True, slots=True)
class Sizes:
    pixels: int = 256  # the avatar's side, at most
    small_pixels: int = 96
    max_source_pixels: int = 50_000_000  # larger sources are refused (decompression bombs)


def prepare(data: bytes, sizes: Sizes) -> AvatarImage | None:
    """The avatar made from these bytes, or None when they are not a PNG, JPEG, GIF or WebP image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in IMAGE_TYPES or image.width * image.height > sizes.max_source_pixels:
                    return None
                image.load()
                return _prepared(data, image, sizes)
    except _BROKEN:
        return None


def _prepared(data: bytes, image: Image.Image, sizes: Sizes) -> AvatarImage:
    small = _square(image, sizes.small_pixels)
    small_bytes = _save(small, "WEBP")
    if _is_ready(image, sizes.pixels):
        return AvatarImage(data, IMAGE_TYPES[str(image.format)], image.width, image.height, small_bytes)
    square = _square(image, sizes.pixels)
    kind = "PNG" if square.mode == "RGBA" else "JPEG"
    return AvatarImage(_save(square, kind), IMAGE_TYPES[kind], square.width, square.height, small_bytes)


def _is_ready(image: Image.Image, pixels: int) -> bool:
    """Small, square, upright and without GPS data: keep the bytes as they are."""
    exif = image.getexif()
    xmp = image.info.get("xmp")
    has_gps = GPS_IFD in exif or (isinstance(xmp, bytes | str) and "GPS" in str(xmp))
    upright = exif.get(ORIENTATION) in (None, 1)
    return image.width == image.height <= pixels and upright and not has_gps


def _square(image: Image.Image, side: int) -> Image.Image:
    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    converted = upright.convert("RGBA" if has_alpha else "RGB")
    fitted = min(side, converted.width, converted.height)
    return ImageOps.fit(converted, (fitted, fitted), Image.Resampling.LANCZOS)


def _save(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    options: dict[str, object] = {"quality": 85} if kind in ("JPEG", "WEBP") else {"optimize": True}
    image.save(out, kind, **options)
    return out.getvalue()
