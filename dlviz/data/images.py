"""Turning uploaded or drawn pictures into exactly the input a model expects, with clear errors.

A picture of a digit becomes a model input the way MNIST's digits were made, and every step is kept
so a page can draw it: the ink is found (dark-on-light pictures are inverted, uneven paper levelled),
cropped, its strokes redrawn at the training data's width, scaled so its longer side fills a fixed
box, centred by its centre of mass, padded and blurred like the training digits. Other pictures
(colour photos, shapes) are only fitted: converted, padded to a square and resized.

Nothing is decoded before its declared size is checked against a budget, and Pillow is only ever
asked to read the formats listed in `FORMATS`.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageCms, UnidentifiedImageError

from dlviz import runtime

FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")  # the only readers Pillow may try
SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff")
MAX_IMAGE_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 25_000_000
MAX_DECODED_BYTES = 64 * 1024 * 1024  # what decoding one picture may allocate, judged from its header
MAX_INPUT_PIXELS = 1024 * 1024  # a model input larger than this is refused before any picture is prepared
WORK_SIDE = 512  # pictures are reduced to this before any floating-point work
MIN_SIDE = 4

_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 2, "La": 2, "PA": 2, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2,
                    "RGB": 3, "YCbCr": 3, "LAB": 3, "HSV": 3}  # everything else: 4 bytes a pixel


class ImageError(ValueError):
    """A picture that cannot become a model input, with a sentence saying why."""


# -- reading a file ---------------------------------------------------------------------------------
def check_declared_size(picture: Image.Image, what: str = "The image", pixels_only: bool = False) -> None:
    """Refuse a picture whose header declares more pixels or memory than the budget, before it is decoded."""
    width, height = picture.size
    if width * height > MAX_PIXELS:
        raise ImageError(f"{what} is {width}×{height} ({width * height / 1e6:.0f} megapixels); "
                         f"the limit is {MAX_PIXELS // 1_000_000} megapixels.")
    if pixels_only:
        return
    decoded = width * height * _BYTES_PER_PIXEL.get(picture.mode, 4)
    if decoded > MAX_DECODED_BYTES:
        raise ImageError(f"{what} ({width}×{height}, Pillow mode {picture.mode}) would take {decoded / 2**20:.0f} MB "
                         f"to decode; the limit is {MAX_DECODED_BYTES // 2**20} MB.")


def _bomb_message() -> str:
    limit = f" (over {Image.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels)" if Image.MAX_IMAGE_PIXELS else ""
    return f"The image declares an enormous size{limit}, as a decompression bomb does; it was not decoded."


def open_header(data: bytes) -> Image.Image:
    """Pillow's lazy view of the bytes (header read, pixels not decoded), from the listed formats only."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(_bomb_message()) from None
    except UnidentifiedImageError:
        raise ImageError("This file is not an image in a format dlviz reads (PNG, JPEG, GIF, BMP, WebP or TIFF).") from None
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as error:
        raise ImageError(f"The image is damaged or truncated and cannot be decoded ({str(error)[:120]}).") from None


def open_image(data: bytes, reduce_to: int | None = None) -> tuple[Image.Image, list[str]]:
    """Decode bytes with Pillow, refusing what is not a sane still image; notices for what was adapted.

    With `reduce_to`, a large picture is decoded (JPEG) or shrunk (others) to about that many pixels a side
    first, so no later step works on more pixels than it needs."""
    if not data:
        raise ImageError("The file is empty.")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(f"The file is {len(data) / 2**20:.1f} MB; images up to {MAX_IMAGE_BYTES // 2**20} MB are accepted.")
    picture = open_header(data)
    check_declared_size(picture, pixels_only=True)
    notices = []
    try:
        if reduce_to and picture.format == "JPEG":
            picture.draft(picture.mode, (reduce_to, reduce_to))  # decode at 1/2, 1/4 or 1/8 scale: far less memory
        check_declared_size(picture)
        frames = getattr(picture, "n_frames", 1)
        if frames > 1:
            notices.append(f"The image has {frames} frames; the first one is used.")
            picture.seek(0)
        picture.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(_bomb_message()) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as error:
        raise ImageError(f"The image is damaged or truncated and cannot be decoded ({str(error)[:120]}).") from None
    if min(picture.size) < MIN_SIDE:
        raise ImageError(f"The image is only {picture.size[0]}×{picture.size[1]} pixels; it needs at least {MIN_SIDE}×{MIN_SIDE}.")
    if reduce_to and max(picture.size) > reduce_to:
        picture = shrink(picture, reduce_to)
    return picture, notices


def shrink(picture: Image.Image, side: int) -> Image.Image:
    """The picture with its longer side at most `side` pixels (box-averaged), in any mode Pillow decodes."""
    wide = picture.mode.startswith("I;16")
    if wide:
        picture = picture.convert("I")  # Pillow cannot reduce 16-bit images directly
    factor = max(picture.size) // side
    if factor > 1:
        picture = picture.reduce(factor)
    if max(picture.size) > side:
        scale = side / max(picture.size)
        size = (max(1, round(picture.size[0] * scale)), max(1, round(picture.size[1] * scale)))
        resample = Image.Resampling.NEAREST if picture.mode in ("P", "1") else Image.Resampling.BOX
        picture = picture.resize(size, resample)
    if wide:  # back to 16 bits, so its values are still read as 16-bit ones
        picture = Image.fromarray(np.asarray(picture, dtype=np.int32).clip(0, 65535).astype(np.uint16))
    return picture


def to_array(picture: Image.Image, channels: int) -> tuple[np.ndarray, list[str]]:
    """Any Pillow mode as an (H, W, channels) float32 array in [0, 1], saying what was converted and how."""
    notices: list[str] = []
    mode = picture.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        array = _wide_values(np.asarray(picture), mode, notices)
        array = array[..., None]
    elif mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        array = np.asarray(Image.alpha_composite(background, rgba).convert("RGB"), dtype=np.float32) / 255.0
        notices.append("Transparent areas were filled with white.")
    elif mode == "LAB":
        if channels == 1:
            array = np.asarray(picture.getchannel("L"), dtype=np.float32)[..., None] / 255.0
            notices.append("CIELAB image: its lightness channel is used.")
        else:
            transform = ImageCms.buildTransform(ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB")
            array = np.asarray(ImageCms.applyTransform(picture, transform), dtype=np.float32) / 255.0
            notices.append("CIELAB image converted to RGB.")
    else:
        if mode in ("CMYK", "YCbCr", "HSV"):
            notices.append(f"{mode} image converted to RGB.")
        try:
            converted = picture.convert("L" if mode in ("1", "L", "P") else "RGB")
        except (ValueError, OSError):
            raise ImageError(f"Pictures in Pillow's {mode} mode cannot be converted; save it as an ordinary "
                             "RGB or grayscale PNG or JPEG.") from None
        array = np.asarray(converted, dtype=np.float32) / 255.0
        if array.ndim == 2:
            array = array[..., None]
    if channels == 1 and array.shape[-1] == 3:
        array = (array @ np.array([0.299, 0.587, 0.114], dtype=np.float32))[..., None]  # ITU-R 601 luma, as Pillow's "L"
    elif channels == 3 and array.shape[-1] == 1:
        array = np.repeat(array, 3, axis=-1)
    return np.ascontiguousarray(array, dtype=np.float32), notices


def _wide_values(values: np.ndarray, mode: str, notices: list[str]) -> np.ndarray:
    """16-bit, 32-bit integer and floating-point pixels as [0, 1], by their real range rather than a guess."""
    values = values.astype(np.float32)
    finite = np.isfinite(values)
    if not finite.all():
        notices.append(f"{(~finite).sum():,} pixel(s) were NaN or infinite; they were set to 0.")
        values = np.where(finite, values, 0.0)
    low, high = float(values.min()), float(values.max())
    if mode == "F" and low >= 0 and high <= 1:
        notices.append("Floating-point image: its values, already in 0–1, are used as they are.")
        return values
    if low >= 0 and high <= 255 and mode in ("I", "F"):
        notices.append(f"{'Floating-point' if mode == 'F' else '32-bit'} image with values 0–255: divided by 255.")
        return values / 255.0
    if low >= 0 and high <= 65535 and mode != "F":
        notices.append("16-bit image: values divided by 65,535.")
        return values / 65535.0
    notices.append(f"Pixel values ran from {low:g} to {high:g}; they were rescaled to 0–1.")
    return (values - low) / (high - low or 1.0)


# -- how a picture becomes an input -----------------------------------------------------------------
@dataclass(frozen=True)
class Recipe:
    """How a picture becomes a model input.

    `digits`: find the ink, crop, redraw strokes `stroke` wide (a fraction of the box), scale the longer side to
    `box` of the input side, centre by mass, blur by `blur` pixels (as MNIST's digits were made). Otherwise:
    convert, pad to the input's proportions and resize, nothing more."""

    name: str
    digits: bool
    box: float = 20 / 28
    stroke: float = 0.16
    blur: float = 0.8


DIGITS = Recipe("digits", digits=True)
FIT = Recipe("fit", digits=False)
DIGIT_DATASETS = ("digits", "digits28", "mnist")


def recipe_for(dataset_name: str | None, input_shape: tuple[int, ...]) -> Recipe:
    """The digit recipe for digit readers (and unknown grayscale models); plain fitting for everything else."""
    if dataset_name in DIGIT_DATASETS:
        return DIGITS
    if dataset_name is None and int(input_shape[-1]) == 1:
        return DIGITS
    return FIT


@dataclass
class Step:
    """One stage of the preparation, to draw in a strip: a grayscale or RGB image in [0, 1] and what happened."""

    title: str
    image: np.ndarray
    caption: str = ""


@dataclass
class Prepared:
    """The model input, the notices for the user, and every step that made it."""

    array: np.ndarray
    notices: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)


def check_input_shape(input_shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(height, width, channels) of a model input a picture can be prepared for, or a clear refusal."""
    try:
        height, width, channels = (int(size) for size in tuple(input_shape)[-3:])
    except (TypeError, ValueError):
        raise ImageError(f"The model's input shape {tuple(input_shape)} is not an image shape (height, width, channels).") from None
    if channels not in (1, 3) or height < 1 or width < 1:
        raise ImageError(f"The model's input shape {tuple(input_shape)} is not an image of 1 or 3 channels.")
    if height * width > MAX_INPUT_PIXELS:
        raise ImageError(f"This model expects {height}×{width} pictures ({height * width / 1e6:.0f} megapixels); dlviz "
                         f"prepares inputs up to {MAX_INPUT_PIXELS / 1e6:.1f} megapixels (1024×1024), so one picture "
                         "cannot fill the server's memory.")
    return height, width, channels


def to_model_input(data: bytes, input_shape: tuple[int, ...], invert: bool | str = "auto",
                   recipe: Recipe | None = None) -> np.ndarray:
    """Bytes of any common image format as an (H, W, C) float32 array in [0, 1] for the model."""
    return prepare(data, input_shape, invert, recipe)[0]


def prepare(data: bytes, input_shape: tuple[int, ...], invert: bool | str = "auto",
            recipe: Recipe | None = None) -> tuple[np.ndarray, list[str]]:
    """An uploaded picture as the model's input, with notices about what was done to it."""
    prepared = prepare_steps(data, input_shape, invert, recipe)
    return prepared.array, prepared.notices


def prepare_steps(data: bytes, input_shape: tuple[int, ...], invert: bool | str = "auto",
                  recipe: Recipe | None = None) -> Prepared:
    """Like `prepare`, also keeping every step for the page to draw."""
    check_input_shape(input_shape)
    picture, notices = open_image(data, reduce_to=WORK_SIDE)
    return from_picture_steps(picture, input_shape, invert, notices, recipe)


def from_picture(picture: Image.Image, input_shape: tuple[int, ...], invert: bool | str = "auto",
                 notices: list[str] | None = None, recipe: Recipe | None = None) -> tuple[np.ndarray, list[str]]:
    """A decoded Pillow image as the model input, with notices."""
    prepared = from_picture_steps(picture, input_shape, invert, notices, recipe)
    return prepared.array, prepared.notices


def from_picture_steps(picture: Image.Image, input_shape: tuple[int, ...], invert: bool | str = "auto",
                       notices: list[str] | None = None, recipe: Recipe | None = None) -> Prepared:
    height, width, channels = check_input_shape(input_shape)
    recipe = recipe or recipe_for(None, input_shape)
    if max(picture.size) > WORK_SIDE:
        picture = shrink(picture, WORK_SIDE)
    array, converted = to_array(picture, 1 if recipe.digits else channels)
    return from_array_steps(array, (height, width, channels), invert, list(notices or []) + converted, recipe)


def from_drawing(rgba: np.ndarray, input_shape: tuple[int, ...], recipe: Recipe | None = None) -> tuple[np.ndarray, list[str]]:
    """A canvas drawing (H, W, 4 uint8, light strokes on black) as a model input, with notices."""
    prepared = drawing_steps(rgba, input_shape, recipe)
    return prepared.array, prepared.notices


def drawing_steps(rgba: np.ndarray, input_shape: tuple[int, ...], recipe: Recipe | None = None) -> Prepared:
    """Like `from_drawing`, also keeping every step for the page to draw."""
    height, width, channels = check_input_shape(input_shape)
    rgba = np.asarray(rgba) if rgba is not None else None
    if rgba is None or rgba.ndim != 3 or rgba.shape[-1] != 4 or min(rgba.shape[:2]) < MIN_SIDE:
        raise ImageError("The drawing could not be read.")
    if rgba.shape[0] * rgba.shape[1] > MAX_PIXELS:
        raise ImageError(f"The drawing is {rgba.shape[1]}×{rgba.shape[0]}; the limit is {MAX_PIXELS // 1_000_000} megapixels.")
    rgb = np.nan_to_num(rgba[..., :3].astype(np.float32), nan=0.0, posinf=255.0, neginf=0.0)
    if rgb.max() <= 0:
        raise ImageError("The canvas is empty: draw something first.")
    picture = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), mode="RGB")
    return from_picture_steps(picture, (height, width, channels), False, [], recipe)


def from_array_steps(array: np.ndarray, input_shape: tuple[int, int, int], invert: bool | str, notices: list[str],
                     recipe: Recipe) -> Prepared:
    """The preparation itself, on an (H, W, C) float array in [0, 1]."""
    height, width, channels = input_shape
    steps = [Step("your picture", array, f"{array.shape[1]}×{array.shape[0]}")]
    if invert == "auto":
        invert = _dark_on_light(array)
        if invert:
            notices.append("The picture is dark on light; it was inverted to light on dark, like the training images.")
    if invert:
        array = 1.0 - array
        steps.append(Step("inverted", array, "light on dark"))
    if not recipe.digits:
        fitted = _fit(array, height, width)
        if array.shape[:2] != (height, width):
            notices.append(f"Resized from {array.shape[1]}×{array.shape[0]} to {width}×{height}, keeping its proportions.")
            steps.append(Step("fitted", fitted, f"padded and resized to {width}×{height}"))
        return Prepared(fitted, notices, steps)
    return _digit_steps(array[..., 0], height, width, channels, notices, steps, recipe)


def _dark_on_light(array: np.ndarray) -> bool:
    """Whether the picture's border (its background, usually) is lighter than mid-grey."""
    grey = array.mean(axis=-1)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    return bool(np.median(border) > 0.5)


def _fit(array: np.ndarray, height: int, width: int) -> np.ndarray:
    """Pad to the target's proportions with black, then resize with Lanczos (the old, plain path)."""
    rows, cols, channels = array.shape
    scale = min(height / rows, width / cols)
    size = (max(1, round(cols * scale)), max(1, round(rows * scale)))
    layers = [np.asarray(Image.fromarray(array[..., c], mode="F").resize(size, Image.Resampling.LANCZOS)) for c in range(channels)]
    resized = np.clip(np.stack(layers, axis=-1), 0, 1)
    result = np.zeros((height, width, channels), dtype=np.float32)
    top, left = (height - size[1]) // 2, (width - size[0]) // 2
    result[top: top + size[1], left: left + size[0]] = resized
    return result


# -- the digit recipe -------------------------------------------------------------------------------
def _digit_steps(grey: np.ndarray, height: int, width: int, channels: int, notices: list[str], steps: list[Step],
                 recipe: Recipe) -> Prepared:
    ndimage = runtime.imported("scipy.ndimage")
    ink = ink_layer(grey)
    if ink.max() <= 0:
        notices.append("No digit was found: the picture is (nearly) one flat colour, so the model sees an empty picture.")
        blank = np.zeros((height, width, channels), dtype=np.float32)
        return Prepared(blank, notices, [*steps, Step("no ink found", blank, "an empty input")])
    steps.append(Step("ink", ink, "background removed"))
    top, bottom, left, right = ink_box(ink)
    cropped = ink[top:bottom, left:right]
    steps.append(Step("cropped to the ink", cropped, f"{right - left}×{bottom - top}"))
    redrawn, measured = restroke(cropped, recipe.stroke)
    steps.append(Step("strokes redrawn", redrawn, f"pen {measured:.0%} → {recipe.stroke:.0%} of its size"))
    box = max(1, round(recipe.box * min(height, width)))
    scaled = _scale_longer_side(redrawn, box)
    steps.append(Step(f"scaled to a {box}-pixel box", scaled, f"{scaled.shape[1]}×{scaled.shape[0]}, shape kept"))
    centred = centre_by_mass(scaled, height, width, ndimage)
    steps.append(Step("centred by mass", centred, f"padded to {width}×{height}"))
    blurred = ndimage.gaussian_filter(centred, recipe.blur) if recipe.blur > 0 else centred
    blurred = np.clip(blurred / max(float(blurred.max()), 1e-6), 0, 1).astype(np.float32)
    steps.append(Step("blurred", blurred, "like the training digits"))
    notices.append(f"The digit was cropped, its strokes redrawn, scaled into a {box}×{box} box and centred, "
                   "as the training digits were.")
    result = blurred[..., None]
    if channels == 3:
        result = np.repeat(result, 3, axis=-1)
    return Prepared(result, notices, steps)


def ink_layer(grey: np.ndarray) -> np.ndarray:
    """Light-on-dark grey values as ink strength in [0, 1]: uneven background removed, noise below Otsu's level cut."""
    ink = np.clip(grey - background(grey), 0, None)
    top = float(np.percentile(ink, 99.5)) if ink.any() else 0.0
    if top <= 0.04:  # no contrast worth the name: a flat picture
        return np.zeros_like(grey, dtype=np.float32)
    ink = np.clip(ink / top, 0, 1)
    low = 0.6 * otsu(ink)
    return np.clip((ink - low) / max(1.0 - low, 1e-6), 0, 1).astype(np.float32)


def background(grey: np.ndarray) -> np.ndarray:
    """The picture's background as a smooth surface (paper lit unevenly, say): a quadratic in x and y fitted
    to the pixels that are not ink, found by refitting without the brightest outliers."""
    rows, cols = grey.shape
    step = max(1, max(rows, cols) // 32)
    small = grey[::step, ::step]
    y, x = np.indices(small.shape, dtype=np.float32)
    y, x = y * step / max(rows, 1), x * step / max(cols, 1)
    design = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=-1).reshape(-1, 6)
    values = small.reshape(-1)
    keep = values <= np.median(values)  # start from the darker half: the background of light-on-dark ink
    for _ in range(4):
        chosen = design[keep]
        coefficients = np.linalg.solve(chosen.T @ chosen + 1e-6 * np.eye(6), chosen.T @ values[keep])
        residual = values - design @ coefficients
        spread = 1.4826 * np.median(np.abs(residual[keep] - np.median(residual[keep]))) + 0.01
        keep = residual <= 2.5 * spread
        if keep.sum() < 6:
            break
    y, x = np.indices(grey.shape, dtype=np.float32)
    y, x = y / max(rows, 1), x / max(cols, 1)
    return (coefficients[0] + coefficients[1] * x + coefficients[2] * y + coefficients[3] * x * x
            + coefficients[4] * x * y + coefficients[5] * y * y).astype(np.float32)


def otsu(values: np.ndarray) -> float:
    """Otsu's threshold of values in [0, 1]: the level that best separates two groups."""
    histogram, edges = np.histogram(values, bins=64, range=(0, 1))
    centres = (edges[:-1] + edges[1:]) / 2
    weight = np.cumsum(histogram)
    total = weight[-1]
    mean = np.cumsum(histogram * centres)
    between = (mean[-1] * weight / total - mean) ** 2 / np.maximum(weight * (total - weight), 1)
    return float(centres[int(np.argmax(between[:-1]))])


def ink_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) around the ink, ignoring specks far smaller than the main strokes."""
    ndimage = runtime.imported("scipy.ndimage")
    mask = ink > 0.35
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    if count > 1:
        sizes = ndimage.sum(mask, labels, range(1, count + 1))
        keep = np.flatnonzero(sizes >= 0.05 * sizes.max()) + 1
        mask = np.isin(labels, keep)
    if not mask.any():
        mask = ink > 0
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def skeleton(mask: np.ndarray) -> np.ndarray:
    """The one-pixel-wide centre lines of a binary drawing (Zhang and Suen's thinning, 1984), vectorised."""
    image = np.pad(mask.astype(bool), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = image
            n, ne, e, se = p[:-2, 1:-1], p[:-2, 2:], p[1:-1, 2:], p[2:, 2:]
            s, sw, w, nw = p[2:, 1:-1], p[2:, :-2], p[1:-1, :-2], p[:-2, :-2]
            ring = [n, ne, e, se, s, sw, w, nw]
            neighbours = sum(x.astype(np.uint8) for x in ring)
            transitions = sum((~a & b).astype(np.uint8) for a, b in zip(ring, ring[1:] + ring[:1]))
            keep_shape = ~(n & e & s) & ~(e & s & w) if step == 0 else ~(n & e & w) & ~(n & s & w)
            remove = p[1:-1, 1:-1] & (neighbours >= 2) & (neighbours <= 6) & (transitions == 1) & keep_shape
            if remove.any():
                image = image.copy()
                image[1:-1, 1:-1] &= ~remove
                changed = True
        if not changed:
            return image[1:-1, 1:-1]


def stroke_width(mask: np.ndarray) -> float:
    """The average stroke width of a binary drawing in pixels: its area over the length of its centre lines."""
    return float(mask.sum() / max(1, skeleton(mask).sum()))


def restroke(ink: np.ndarray, stroke: float, work: int = 96) -> tuple[np.ndarray, float]:
    """The ink redrawn along its centre lines at `stroke` × its longer side; also its width before (same unit).

    Works at `work` pixels for the longer side, so thin and thick pens, small and large drawings, all become
    the same kind of line."""
    ndimage = runtime.imported("scipy.ndimage")
    margin = max(2, round(stroke * work))
    inner = work - 2 * margin
    scale = inner / max(ink.shape)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    big = np.pad(np.asarray(Image.fromarray(ink.astype(np.float32), mode="F").resize(size, Image.Resampling.BILINEAR)), margin)
    mask = big > 0.4
    if not mask.any():
        mask = big >= big.max() * 0.5
    lines = skeleton(mask)
    measured = float(mask.sum() / max(1, lines.sum())) / inner
    radius = stroke * inner / 2
    # Every pixel within `radius` of a centre line, with a one-pixel soft edge so later downscaling stays smooth.
    soft = np.clip(radius + 0.5 - ndimage.distance_transform_edt(~lines), 0, 1).astype(np.float32)
    top, bottom, left, right = ink_box(soft)
    return soft[top:bottom, left:right], measured


def _scale_longer_side(image: np.ndarray, box: int) -> np.ndarray:
    scale = box / max(image.shape)
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    resized = Image.fromarray(image.astype(np.float32), mode="F").resize(size, Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR)
    return np.clip(np.asarray(resized, dtype=np.float32), 0, 1)


def centre_by_mass(image: np.ndarray, height: int, width: int, ndimage=None) -> np.ndarray:
    """`image` placed on a black height × width canvas so that its centre of mass is the canvas centre."""
    ndimage = ndimage or runtime.imported("scipy.ndimage")
    canvas = np.zeros((height, width), dtype=np.float32)
    rows, cols = image.shape
    top, left = (height - rows) // 2, (width - cols) // 2
    canvas[max(0, top): top + rows, max(0, left): left + cols] = image[max(0, -top): max(0, -top) + height, max(0, -left): max(0, -left) + width]
    if canvas.sum() <= 0:
        return canvas
    mass_row, mass_col = ndimage.center_of_mass(canvas)
    shift = ((height - 1) / 2 - mass_row, (width - 1) / 2 - mass_col)
    return np.clip(ndimage.shift(canvas, shift, order=1, mode="constant", cval=0.0), 0, 1).astype(np.float32)
