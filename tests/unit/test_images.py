"""Image facts, thumbnails and GPS removal on real files."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from roost.core.files import images

GPS = {1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (4.0, 53.0, 2.0)}


def _exif(with_gps: bool, orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Cam"
    if orientation:
        exif[0x0112] = orientation
    if with_gps:
        exif[images.GPS_IFD] = GPS
    return exif


def write_image(path: Path, kind: str, *, gps: bool, size: tuple[int, int] = (800, 600), **extra: object) -> Path:
    Image.new("RGB", size, (10, 120, 200)).save(path, kind, exif=_exif(gps).tobytes(), **extra)
    return path


def test_inspect_reports_type_size_and_gps(tmp_path: Path) -> None:
    facts = images.inspect(write_image(tmp_path / "a", "JPEG", gps=True), 10**8)
    assert facts == images.ImageFacts("image/jpeg", 800, 600, has_gps=True)
    assert images.inspect(write_image(tmp_path / "b", "PNG", gps=False), 10**8) == images.ImageFacts(
        "image/png", 800, 600, has_gps=False
    )


def test_rotated_photos_report_upright_dimensions(tmp_path: Path) -> None:
    path = tmp_path / "r.jpg"
    Image.new("RGB", (800, 600)).save(path, "JPEG", exif=_exif(False, orientation=6).tobytes())
    facts = images.inspect(path, 10**8)
    assert facts is not None
    assert (facts.width, facts.height) == (600, 800)
    thumb = images.thumbnail(path, 320)
    assert thumb is not None
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.size == (240, 320)


def test_non_images_and_huge_images_are_plain_files(tmp_path: Path) -> None:
    text = tmp_path / "t"
    text.write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert images.inspect(text, 10**8) is None
    assert images.inspect(write_image(tmp_path / "big", "PNG", gps=False), 1000) is None
    assert images.thumbnail(text, 320) is None


def test_jpeg_gps_is_removed_without_reencoding(tmp_path: Path) -> None:
    source = write_image(tmp_path / "s.jpg", "JPEG", gps=True)
    target = tmp_path / "t.jpg"
    assert images.strip_gps(source, target)
    with Image.open(target) as image:
        exif = image.getexif()
        assert images.GPS_IFD not in exif
        assert exif[0x010F] == "Cam"
    original, cleaned = source.read_bytes(), target.read_bytes()
    assert original[original.index(b"\xff\xda") :] == cleaned[cleaned.index(b"\xff\xda") :]


def test_xmp_with_gps_is_dropped(tmp_path: Path) -> None:
    source = write_image(tmp_path / "s.jpg", "JPEG", gps=False)
    data = source.read_bytes()
    xmp = images._XMP_HEADER + b"<x:xmpmeta><exif:GPSLatitude>52,22N</exif:GPSLatitude></x:xmpmeta>"
    segment = b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp
    source.write_bytes(data[:2] + segment + data[2:])
    assert images.inspect(source, 10**8) is not None
    target = tmp_path / "t.jpg"
    assert images.strip_gps(source, target)
    assert b"GPSLatitude" not in target.read_bytes()
    assert images.inspect(target, 10**8) is not None


def test_png_and_webp_gps_is_removed(tmp_path: Path) -> None:
    for kind in ("PNG", "WEBP"):
        source = write_image(tmp_path / f"s.{kind}", kind, gps=True)
        target = tmp_path / f"t.{kind}"
        assert images.strip_gps(source, target)
        with Image.open(target) as image:
            assert image.format == kind
            assert images.GPS_IFD not in image.getexif()
            assert image.size == (800, 600)


def test_broken_jpeg_is_left_alone(tmp_path: Path) -> None:
    source = tmp_path / "broken.jpg"
    source.write_bytes(b"\xff\xd8\xff\xe1\x00")
    target = tmp_path / "t.jpg"
    assert not images.strip_gps(source, target)
    assert not target.exists()
