"""Turning uploaded or drawn pictures into exactly the input a model expects, with clear errors."""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_IMAGE_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 25_000_000
MIN_SIDE = 4


class ImageError(ValueError):
    """A picture that cannot become a model input, with a sentence saying why."""


def open_image(data: bytes) -> tuple[Image.Image, list[str]]:
    """Decode bytes with Pillow, refusing what is not a sane still image; notices for what was adapted."""
    if not data:
        raise ImageError("The file is empty.")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(f"The file is {len(data) / 2**20:.1f} MB; images up to {MAX_IMAGE_BYTES // 2**20} MB are accepted.")
    notices = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data))
            width, height = picture.size
            if width * height > MAX_PIXELS:
                raise ImageError(f"The image is {width}×{height} ({width * height / 1e6:.0f} megapixels); the limit is {MAX_PIXELS // 1_000_000} megapixels.")
            if getattr(picture, "n_frames", 1) > 1:
                notices.append(f"The image has {picture.n_frames} frames; the first one is used.")
                picture.seek(0)
            picture.load()
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("The image declares an enormous size (a decompression bomb); it was not decoded.") from None
    except UnidentifiedImageError:
        raise ImageError("This file is not an image Pillow can read (PNG, JPEG, GIF, BMP, WebP, TIFF…).") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageError(f"The image is damaged or truncated and cannot be decoded ({str(error)[:120]}).") from None
    if min(picture.size) < MIN_SIDE:
        raise ImageError(f"The image is only {picture.size[0]}×{picture.size[1]} pixels; it needs at least {MIN_SIDE}×{MIN_SIDE}.")
    return picture, notices


def to_model_input(data: bytes, input_shape: tuple[int, ...], invert: bool | str = "auto") -> np.ndarray:
    """Bytes of any common image format as an (H, W, C) float32 array in [0, 1] for the model."""
    array, _ = prepare(data, input_shape, invert)
    return array


def prepare(data: bytes, input_shape: tuple[int, ...], invert: bool | str = "auto") -> tuple[np.ndarray, list[str]]:
    """Like `to_model_input`, also returning notices about what was done to the picture."""
    picture, notices = open_image(data)
    return from_picture(picture, input_shape, invert, notices)


def from_picture(picture: Image.Image, input_shape: tuple[int, ...], invert: bool | str = "auto",
                 notices: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """A Pillow image fitted to the input: channels converted, aspect kept, padded, scaled to [0, 1]."""
    notices = list(notices or [])
    height, width, channels = (int(size) for size in input_shape[-3:])
    if picture.mode in ("I;16", "I;16B", "I;16L", "I"):
        wide = np.asarray(picture, dtype=np.float64)
        top = wide.max() or 1.0
        picture = Image.fromarray((wide / top * 255).astype(np.uint8), mode="L")
        notices.append("16-bit image scaled to 8 bits.")
    if picture.mode == "CMYK":
        notices.append("CMYK image converted to RGB.")
    if picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(background, rgba)
        notices.append("Transparent areas were filled with white.")
    picture = picture.convert("L" if channels == 1 else "RGB")
    array = np.asarray(picture, dtype=np.float32) / 255.0
    if invert == "auto":
        border = np.concatenate([array[0].ravel(), array[-1].ravel(), array[:, 0].ravel(), array[:, -1].ravel()])
        invert = bool(border.mean() > 0.5)
        if invert:
            notices.append("The picture is dark on light; it was inverted to light on dark, like the training images.")
    if invert:
        array = 1.0 - array
    picture = Image.fromarray((array * 255).round().astype(np.uint8), mode="L" if channels == 1 else "RGB")
    fitted = ImageOps.pad(picture, (width, height), method=Image.Resampling.LANCZOS, color=0)
    if picture.size != (width, height):
        notices.append(f"Resized from {picture.size[0]}×{picture.size[1]} to {width}×{height}, keeping its proportions.")
    result = np.asarray(fitted, dtype=np.float32) / 255.0
    if channels == 1:
        result = result[..., None]
    return result, notices


def from_drawing(rgba: np.ndarray, input_shape: tuple[int, ...]) -> tuple[np.ndarray, list[str]]:
    """A canvas drawing (H, W, 4 uint8, light strokes on black) as a model input."""
    if rgba is None or rgba.ndim != 3 or rgba.shape[-1] != 4:
        raise ImageError("The drawing could not be read.")
    rgb = rgba[..., :3].astype(np.float32)
    if rgb.max() == 0:
        raise ImageError("The canvas is empty: draw something first.")
    picture = Image.fromarray(rgb.astype(np.uint8), mode="RGB")
    array, notices = from_picture(picture, input_shape, invert=False)
    return _centre_of_mass(array), notices


def _centre_of_mass(array: np.ndarray) -> np.ndarray:
    """Shift a drawing so its ink is centred, as handwritten digit datasets are."""
    weights = array.sum(axis=-1)
    total = weights.sum()
    if total == 0:
        return array
    rows, cols = np.indices(weights.shape)
    shift_r = int(round(weights.shape[0] / 2 - 0.5 - (rows * weights).sum() / total))
    shift_c = int(round(weights.shape[1] / 2 - 0.5 - (cols * weights).sum() / total))
    return np.roll(np.roll(array, shift_r, axis=0), shift_c, axis=1)
