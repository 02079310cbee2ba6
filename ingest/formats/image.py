"""Images (PNG, JPEG, TIFF) through OCR: each frame a page. Images over the pixel limit are not decoded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest.article import Article, SkipInput
from ingest.formats.base import ReadOptions
from ingest.formats.document import build_article
from ingest.formats.layout import blocks_of_pages
from ingest.formats.ocr import OcrUnavailable, check_tesseract, ocr_images

DEFAULT_DPI = 300.0  # assumed when the image does not say


def read(path: Path, options: ReadOptions) -> Iterator[Article | SkipInput]:
    """The article OCR'd from one image file."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    if options.ocr == "off":
        raise SkipInput(f"{path}: an image is read only through OCR, and OCR is off (--ocr off)")
    try:
        check_tesseract()
    except OcrUnavailable as err:
        raise SkipInput(f"{path}: image skipped: {err}") from None
    try:
        image = Image.open(path)
    except Image.DecompressionBombError as err:
        raise SkipInput(f"{path}: image too large to decode safely ({err})") from None
    except (UnidentifiedImageError, OSError) as err:
        raise SkipInput(f"{path}: not a readable image ({err})") from None
    with image:
        width, height = image.size
        if width * height > options.max_pixels:
            raise SkipInput(f"{path}: image of {width}x{height} pixels is over the limit of "
                            f"{options.max_pixels:,} pixels (not decoded)")
        dpi = float((image.info.get("dpi") or (DEFAULT_DPI,))[0]) or DEFAULT_DPI
        try:
            frames = [(frame.convert("L"), dpi) for frame in ImageSequence.Iterator(image)]
        except (OSError, SyntaxError, ValueError) as err:
            raise SkipInput(f"{path}: damaged image ({err})") from None
    pages = []
    for number, result in enumerate(ocr_images(frames, options.seconds_per_page), start=1):
        if isinstance(result, Exception):
            yield SkipInput(f"{path}: page {number} skipped: {result}")
            result = []
        frame, frame_dpi = frames[number - 1]
        pages.append((frame.size[0] * 72 / frame_dpi, frame.size[1] * 72 / frame_dpi, result))
    blocks = blocks_of_pages(pages)
    if blocks:
        yield build_article(blocks, path)
