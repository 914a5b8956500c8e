"""Zip files for tests: image sets of class folders, and damaged ones (a header field overwritten, as real damage looks)."""

import io
import zipfile

from PIL import Image


def class_folders(colours: dict[str, int], side: int, per_class: int = 6) -> bytes:
    """A zip with one folder per class name holding `per_class` grey side × side PNGs (colour, colour + 1, …)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, colour in colours.items():
            for i in range(per_class):
                image = io.BytesIO()
                Image.new("L", (side, side), colour + i).save(image, format="PNG")
                archive.writestr(f"{name}/{i}.png", image.getvalue())
    return buffer.getvalue()


def patch_members(data: bytes, local: int, central: int, value: bytes) -> bytes:
    """Overwrite a field of every local and central zip header (offsets from each header's signature)."""
    patched = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", local), (b"PK\x01\x02", central)):
        start = patched.find(signature)
        while start != -1:
            patched[start + offset: start + offset + len(value)] = value
            start = patched.find(signature, start + 4)
    return bytes(patched)
