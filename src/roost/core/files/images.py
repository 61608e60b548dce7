"""Images at upload: dimensions, a thumbnail, and EXIF GPS removed from the stored copy.

Everything here is blocking (Pillow, file I/O): the service runs it in a worker thread.
JPEG files lose their GPS data without being re-encoded (the EXIF segment is rewritten
and the image data copied as is); PNG and WebP files that carry GPS are re-saved.
"""

from __future__ import annotations

import io
import logging
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

# Types shown inline and thumbnailed; anything else is a plain file, whatever its bytes.
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
GPS_IFD = 0x8825
THUMBNAIL_TYPE = "image/webp"
_EXIF_HEADER = b"Exif\x00\x00"
_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
_SOS, _EOI = 0xDA, 0xD9
_STANDALONE = {0x01, *range(0xD0, 0xD8)}


@dataclass(frozen=True, slots=True)
class ImageFacts:
    content_type: str
    width: int
    height: int
    has_gps: bool


def inspect(path: Path, max_pixels: int) -> ImageFacts | None:
    """What an image is (after EXIF rotation), or None for anything that is not a supported image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.format not in IMAGE_TYPES or image.width * image.height > max_pixels:
                    return None
                exif = image.getexif()
                width, height = image.size
                if exif.get(0x0112) in (5, 6, 7, 8):  # rotated by 90 or 270 degrees
                    width, height = height, width
                has_gps = GPS_IFD in exif or "GPSLatitude" in _xmp_text(image.info.get("xmp"))
                return ImageFacts(IMAGE_TYPES[image.format], width, height, has_gps)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, ValueError):
        return None


def _xmp_text(xmp: object) -> str:
    if isinstance(xmp, bytes):
        return xmp.decode("utf-8", "replace")
    return xmp if isinstance(xmp, str) else ""


def thumbnail(path: Path, box: int) -> bytes | None:
    """A WebP thumbnail that fits in `box`×`box`, upright; None when the image cannot be decoded."""
    try:
        with Image.open(path) as image:
            image.draft("RGB", (box, box))  # JPEG: decode at a reduced scale, much faster
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((box, box))
            if upright.mode not in ("RGB", "RGBA"):
                upright = upright.convert("RGBA" if "transparency" in upright.info else "RGB")
            out = io.BytesIO()
            upright.save(out, "WEBP", quality=80)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        log.info("no thumbnail: the image could not be decoded")
        return None


def strip_gps(source: Path, target: Path) -> bool:
    """Write `source` to `target` without GPS data; False if that could not be done."""
    try:
        with Image.open(source) as image:
            kind = image.format
        if kind == "JPEG":
            with source.open("rb") as src, target.open("wb") as dst:
                _copy_jpeg_without_gps(src, dst)
        else:
            _resave_without_gps(source, target)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        log.warning("could not strip GPS data from an image; it is stored without a cleaned copy")
        target.unlink(missing_ok=True)
        return False
    return True


def _copy_jpeg_without_gps(src: BinaryIO, dst: BinaryIO) -> None:
    """Copy a JPEG segment by segment, dropping GPS from EXIF and XMP; the image data is untouched."""
    if src.read(2) != b"\xff\xd8":
        raise ValueError("not a JPEG")
    dst.write(b"\xff\xd8")
    while True:
        marker = src.read(2)
        if len(marker) != 2 or marker[0] != 0xFF:
            raise ValueError("broken JPEG marker")
        if marker[1] in _STANDALONE:
            dst.write(marker)
            continue
        if marker[1] in (_SOS, _EOI):
            dst.write(marker)
            shutil.copyfileobj(src, dst, 1 << 20)
            return
        length = int.from_bytes(src.read(2), "big")
        payload = src.read(length - 2)
        if len(payload) != length - 2:
            raise ValueError("truncated JPEG segment")
        segment = _clean_segment(marker[1], payload)
        if segment is not None:
            dst.write(marker + (len(segment) + 2).to_bytes(2, "big") + segment)


def _clean_segment(marker: int, payload: bytes) -> bytes | None:
    if marker != 0xE1:
        return payload
    if payload.startswith(_EXIF_HEADER):
        exif = Image.Exif()
        exif.load(payload)
        if GPS_IFD not in exif:
            return payload
        del exif[GPS_IFD]
        return exif.tobytes()
    if payload.startswith(_XMP_HEADER) and b"GPS" in payload:
        return None  # XMP is descriptive metadata: dropping it whole is the safe way to lose its GPS
    return payload


def _resave_without_gps(source: Path, target: Path) -> None:
    with Image.open(source) as image:
        exif = image.getexif()
        exif.pop(GPS_IFD, None)
        options: dict[str, object] = {"exif": exif.tobytes()}
        if image.format == "WEBP":
            options.update(lossless=image.info.get("lossless", False), quality=95)
        if getattr(image, "is_animated", False):
            options["save_all"] = True
        image.save(target, image.format, **options)
