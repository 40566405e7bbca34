"""PDF and raster helpers shared by the slides and the handout: pages from PNGs, merged vector pages."""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from pathlib import Path

from . import engine as gv

EPOCH = time.gmtime(946_684_800)  # 2000-01-01: fixed PDF dates, so the same deck gives the same bytes


def frames(pngs: Sequence[bytes]) -> list:
    """PNG bytes -> RGB Pillow images."""
    from PIL import Image

    return [Image.open(io.BytesIO(p)).convert("RGB") for p in pngs]


def write_pdf(pngs: Sequence[bytes], path: Path) -> None:
    """One page per PNG, with fixed dates so that the same deck gives the same file."""
    pages = frames(pngs)
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=gv.PNG_DPI,
                  creationDate=EPOCH, modDate=EPOCH, quality=95)  # Pillow writes RGB as JPEG: keep text crisp


def merge_pdf(pdfs: Sequence[bytes], path: Path) -> None:
    """One vector page per slide (system dot's -Tpdf), merged with pypdf; no dates, same bytes."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Producer": "backprop_tutor slides", "/Title": "backprop deck"})
    with open(path, "wb") as fh:
        writer.write(fh)
