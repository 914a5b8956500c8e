"""Image datasets that work offline: shipped digits, generated shapes, cached Keras sets, uploads.

Every dataset comes back as one `Dataset`: float32 NHWC images in [0, 1], integer labels,
class names, and any notices the user should read (skipped files, resized images).
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, UnidentifiedImageError

from dlviz import runtime
from dlviz.runtime import keras

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_IMAGES = 20_000
MAX_CLASSES = 20
MIN_IMAGES_PER_CLASS = 5
MAX_SIDE = 64
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"}
SHAPE_CLASSES = ("circle", "square", "triangle", "cross", "line")
SHAPE_COLOURS = ((230, 60, 50), (40, 160, 60), (40, 90, 220), (240, 180, 30), (170, 60, 200))

Image.MAX_IMAGE_PIXELS = 40_000_000  # Pillow then refuses decompression bombs instead of filling memory


class DatasetError(ValueError):
    """A dataset that cannot be used, with a sentence saying why and what to do."""


@dataclass
class Dataset:
    """Images and labels split into train and test, ready for Keras."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    description: str = ""
    notices: list[str] = field(default_factory=list)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def class_counts(self) -> dict[str, int]:
        """Images per class over train and test, for the preview."""
        labels = np.concatenate([self.y_train, self.y_test])
        return {name: int(np.sum(labels == index)) for index, name in enumerate(self.class_names)}

    def samples_per_class(self, per_class: int = 6) -> dict[str, np.ndarray]:
        """The first few training images of each class, for a preview grid."""
        return {
            name: self.x_train[self.y_train == index][:per_class] for index, name in enumerate(self.class_names)
        }


SHIPPED = {
    "digits": "Handwritten digits 0–9 from scikit-learn (1,797 images, 8×8 grayscale). Small and quick.",
    "digits28": "The same digits upscaled to 28×28, so feature maps have room to show patterns.",
    "shapes": "Generated shapes (circle, square, triangle, cross, line) at random place, size and angle, 28×28 grayscale.",
    "shapes_rgb": "The same shapes in colour (32×32 RGB), so first-layer filters can show colour.",
}
KERAS = {
    "mnist": ("mnist.npz", "MNIST handwritten digits (70,000 images, 28×28)."),
    "fashion_mnist": ("fashion-mnist", "Fashion-MNIST clothing (70,000 images, 28×28)."),
    "cifar10": ("cifar-10-batches-py", "CIFAR-10 photos (60,000 images, 32×32 RGB)."),
}


def keras_cache_dir() -> Path:
    return Path.home() / ".keras" / "datasets"


def available() -> dict[str, str]:
    """Every dataset name that loads right now, with a one-line description."""
    names = dict(SHIPPED)
    for name, (entry, description) in KERAS.items():
        if (keras_cache_dir() / entry).exists():
            names[name] = description + " (from the local Keras cache)"
    return names


def unavailable() -> dict[str, str]:
    """Keras datasets that are not cached, with how to get them."""
    return {
        name: f"{description} Not in {keras_cache_dir()}; on a machine with internet run "
        f"`python -c \"import keras; keras.datasets.{name}.load_data()\"` once, then reload."
        for name, (entry, description) in KERAS.items()
        if not (keras_cache_dir() / entry).exists()
    }


def load(name: str, seed: int = 0) -> Dataset:
    """A dataset by name; shipped ones never touch the network, Keras ones only read the cache."""
    if name == "digits":
        return _digits(upscale=False)
    if name == "digits28":
        return _digits(upscale=True)
    if name == "shapes":
        return shapes(seed=seed, rgb=False)
    if name == "shapes_rgb":
        return shapes(seed=seed, rgb=True)
    if name in KERAS:
        return _keras_dataset(name)
    raise DatasetError(f"There is no dataset called {name!r}. Choose one of: {', '.join(available())}.")


def _digits(upscale: bool) -> Dataset:
    bunch = runtime.imported("sklearn.datasets").load_digits()
    images = (bunch.images / 16.0).astype(np.float32)
    if upscale:
        images = np.stack([_resize(image, 28) for image in images])
    x = images[..., None]
    y = bunch.target.astype(np.int64)
    x_train, y_train, x_test, y_test = split(x, y, test_fraction=0.2, seed=0)
    name = "digits28" if upscale else "digits"
    return Dataset(name, x_train, y_train, x_test, y_test, [str(d) for d in range(10)], SHIPPED[name])


def _resize(image: np.ndarray, side: int) -> np.ndarray:
    picture = Image.fromarray(image.astype(np.float32), mode="F")
    return np.asarray(picture.resize((side, side), Image.Resampling.BILINEAR), dtype=np.float32).clip(0, 1)


def split(x: np.ndarray, y: np.ndarray, test_fraction: float, seed: int):
    """A stratified, reproducible train/test split (every class in both parts)."""
    rng = np.random.default_rng(seed)
    test_indices = []
    for label in np.unique(y):
        indices = np.flatnonzero(y == label)
        rng.shuffle(indices)
        test_indices.extend(indices[: max(1, int(round(len(indices) * test_fraction)))])
    test_mask = np.zeros(len(y), dtype=bool)
    test_mask[test_indices] = True
    train_order = rng.permutation(np.flatnonzero(~test_mask))
    test_order = rng.permutation(np.flatnonzero(test_mask))
    return x[train_order], y[train_order], x[test_order], y[test_order]


def shapes(seed: int = 0, rgb: bool = False, per_class: int = 360, side: int | None = None) -> Dataset:
    """Generated shapes at random position, size, rotation and noise; the same seed, the same images."""
    x, y, _ = _generate_shapes(seed, rgb, per_class, side, masks=False)
    x_train, y_train, x_test, y_test = split(x, y, test_fraction=0.2, seed=seed)
    name = "shapes_rgb" if rgb else "shapes"
    return Dataset(name, x_train, y_train, x_test, y_test, list(SHAPE_CLASSES), SHIPPED[name])


def shape_masks(seed: int = 0, rgb: bool = False, per_class: int = 360, side: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Where the shape is in every image of `shapes(...)` with the same arguments: boolean (N, H, W) masks for
    the training and the test images, in the same order (a pixel is in the mask when the shape covers half of it)."""
    _, y, masks = _generate_shapes(seed, rgb, per_class, side, masks=True)
    train_masks, _, test_masks, _ = split(masks, y, test_fraction=0.2, seed=seed)
    return train_masks, test_masks


def _generate_shapes(seed: int, rgb: bool, per_class: int, side: int | None, masks: bool):
    side = side or (32 if rgb else 28)
    rng = np.random.default_rng(seed)
    images, labels, drawn = [], [], []
    for label, shape in enumerate(SHAPE_CLASSES):
        for _ in range(per_class):
            image, mask = _draw_shape(shape, side, rng, rgb, masks)
            images.append(image)
            labels.append(label)
            drawn.append(mask)
    x = np.stack(images).astype(np.float32)
    if not rgb:
        x = x[..., None]
    return x, np.array(labels, dtype=np.int64), np.stack(drawn) if masks else None


def _draw_shape(shape: str, side: int, rng: np.random.Generator, rgb: bool,
                with_mask: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    scale = 4  # draw large, then shrink: smooth edges
    big = side * scale
    background = tuple(int(v) for v in rng.integers(0, 60, size=3)) if rgb else 0
    canvas = Image.new("RGB" if rgb else "L", (big, big), background)
    mask = Image.new("L", (big, big), 0)  # the same drawing in white on black: where the shape is
    colour = SHAPE_COLOURS[int(rng.integers(len(SHAPE_COLOURS)))] if rgb else int(rng.integers(180, 256))
    radius = rng.uniform(0.22, 0.38) * big
    centre = rng.uniform(radius + 2, big - radius - 2, size=2)
    angle = rng.uniform(0, 2 * math.pi)
    width = max(2, int(big * rng.uniform(0.06, 0.1)))

    def rotated(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        cos, sin = math.cos(angle), math.sin(angle)
        return [(centre[0] + x * cos - y * sin, centre[1] + x * sin + y * cos) for x, y in points]

    def paint(draw: ImageDraw.ImageDraw, ink) -> None:
        if shape == "circle":
            box = [centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius]
            draw.ellipse(box, fill=ink)
        elif shape == "square":
            r = radius * 0.85
            draw.polygon(rotated([(-r, -r), (r, -r), (r, r), (-r, r)]), fill=ink)
        elif shape == "triangle":
            draw.polygon(rotated([(radius * math.cos(a), radius * math.sin(a)) for a in (0, 2.0944, 4.1888)]), fill=ink)
        elif shape == "cross":
            for points in ([(-radius, 0), (radius, 0)], [(0, -radius), (0, radius)]):
                draw.line(rotated(points), fill=ink, width=width)
        else:  # line
            draw.line(rotated([(-radius * 1.1, 0), (radius * 1.1, 0)]), fill=ink, width=width)

    paint(ImageDraw.Draw(canvas), colour)
    if with_mask:
        paint(ImageDraw.Draw(mask), 255)
    small = canvas.filter(ImageFilter.GaussianBlur(scale / 2)).resize((side, side), Image.Resampling.LANCZOS)
    array = np.asarray(small, dtype=np.float32) / 255.0
    array = array + rng.normal(0, 0.04, size=array.shape)
    covered = None
    if with_mask:  # the share of each small pixel the shape covers, from the same large drawing
        covered = np.asarray(mask, dtype=np.float32).reshape(side, scale, side, scale).mean(axis=(1, 3)) >= 127.5
    return np.clip(array, 0, 1), covered


def _keras_dataset(name: str) -> Dataset:
    entry, description = KERAS[name]
    if not (keras_cache_dir() / entry).exists():
        raise DatasetError(unavailable()[name])
    try:
        (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    except Exception as error:  # a cache that is present but broken must not hang or crash the page
        raise DatasetError(f"The cached {name} files could not be read ({type(error).__name__}).") from None
    x_train, x_test = (_to_float_images(x) for x in (x_train, x_test))
    class_names = {
        "mnist": [str(d) for d in range(10)],
        "fashion_mnist": ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"],
        "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    }[name]
    return Dataset(
        name, x_train, y_train.ravel().astype(np.int64), x_test, y_test.ravel().astype(np.int64), class_names, description
    )


def _to_float_images(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float32)
    if x.max(initial=0) > 1.0:
        x = x / 255.0
    return x[..., None] if x.ndim == 3 else x


# -- the user's own data ----------------------------------------------------------------
def from_npz(data: bytes, name: str = "upload.npz") -> Dataset:
    """An `.npz` with `x` (N×H×W or N×H×W×C) and `y` (N integer labels); never unpickles."""
    _check_upload_size(data)
    try:
        archive = np.load(io.BytesIO(data), allow_pickle=False)
        keys = set(archive.files)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError):
        raise DatasetError("This file is not a readable .npz archive (make one with numpy.savez(path, x=..., y=...)).") from None
    if not {"x", "y"} <= keys:
        raise DatasetError(f"The .npz must hold arrays named 'x' and 'y'; it holds: {', '.join(sorted(keys)) or 'nothing'}.")
    try:
        x, y = archive["x"], archive["y"]
    except ValueError:
        raise DatasetError("The .npz holds Python objects, which dlviz never loads (they could run code). Save plain numeric arrays.") from None
    if x.dtype.kind not in "uif" or y.dtype.kind not in "ui":
        raise DatasetError("'x' must be numbers and 'y' whole-number class labels.")
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[-1] not in (1, 3):
        raise DatasetError(f"'x' must be shaped (N, height, width) or (N, height, width, 1 or 3); it is {x.shape}.")
    if len(x) != len(y) or y.ndim != 1:
        raise DatasetError(f"'y' must hold one label per image: {len(x)} images but y has shape {y.shape}.")
    if len(x) > MAX_IMAGES or max(x.shape[1:3]) > 256:
        raise DatasetError(f"At most {MAX_IMAGES:,} images of at most 256×256 are accepted.")
    x = x.astype(np.float32)
    if not np.all(np.isfinite(x)):
        raise DatasetError("'x' contains NaN or infinite values.")
    low, high = float(x.min()), float(x.max())
    notices = []
    if low < 0 or high > 1:
        x = (x - low) / (high - low or 1.0)
        notices.append(f"Pixel values ran from {low:g} to {high:g}; they were rescaled to [0, 1].")
    classes = np.unique(y)
    labels = np.searchsorted(classes, y)
    class_names = [str(label) for label in classes]
    return _finish(name, x, labels.astype(np.int64), class_names, notices)


def from_zip(data: bytes, name: str = "upload.zip") -> Dataset:
    """A zip with one folder of images per class; read in memory, never extracted to disk."""
    _check_upload_size(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise DatasetError("This file is not a readable zip archive.") from None
    files = [m for m in members if not m.is_dir() and PurePosixPath(m.filename).suffix.lower() in IMAGE_SUFFIXES]
    files = [m for m in files if not any(part.startswith((".", "__MACOSX")) for part in PurePosixPath(m.filename).parts)]
    if len(files) > MAX_IMAGES:
        raise DatasetError(f"The zip holds {len(files):,} images; the limit is {MAX_IMAGES:,}.")
    if sum(m.file_size for m in files) > MAX_UNCOMPRESSED_BYTES:
        raise DatasetError("The zip would unpack to more than 200 MB; send a smaller one.")
    by_class: dict[str, list[zipfile.ZipInfo]] = {}
    for member in files:
        parts = PurePosixPath(member.filename.replace("\\", "/")).parts
        parts = tuple(part for part in parts if part not in ("", ".", ".."))
        if len(parts) < 2:
            continue
        by_class.setdefault(parts[-2], []).append(member)
    if len(by_class) < 2:
        raise DatasetError(
            "The zip needs one folder per class with images inside (e.g. cats/1.png, dogs/1.png); "
            f"found {len(by_class)} class folder(s)."
        )
    if len(by_class) > MAX_CLASSES:
        raise DatasetError(f"The zip has {len(by_class)} class folders; the limit is {MAX_CLASSES}.")
    images, labels, skipped, sizes = [], [], [], []
    class_names = sorted(by_class)
    for label, class_name in enumerate(class_names):
        for member in by_class[class_name]:
            try:
                with archive.open(member) as handle:
                    raw = handle.read(member.file_size + 1)
                if len(raw) > member.file_size:
                    raise DatasetError("size mismatch")
                picture = Image.open(io.BytesIO(raw))
                picture.load()
            except (UnidentifiedImageError, OSError, DatasetError, Image.DecompressionBombError, ValueError, zipfile.BadZipFile):
                skipped.append(member.filename)
                continue
            sizes.append(picture.size)
            images.append(picture)
            labels.append(label)
    return _images_to_dataset(name, images, labels, class_names, skipped, sizes)


def _images_to_dataset(name, images, labels, class_names, skipped, sizes) -> Dataset:
    notices = []
    if skipped:
        shown = ", ".join(skipped[:10]) + (" …" if len(skipped) > 10 else "")
        notices.append(f"{len(skipped)} file(s) could not be read as images and were skipped: {shown}")
    if not images:
        raise DatasetError("No readable images were found.")
    colour = any(picture.mode not in ("L", "1", "I", "I;16", "F", "LA") for picture in images)
    side = min(MAX_SIDE, max(max(size) for size in sizes))
    if len(set(sizes)) > 1 or sizes[0] != (side, side):
        notices.append(f"Images were resized to {side}×{side} (sizes found: {len(set(sizes))} different).")
    mode = "RGB" if colour else "L"
    arrays = [np.asarray(p.convert(mode).resize((side, side), Image.Resampling.BILINEAR), dtype=np.float32) / 255.0 for p in images]
    x = np.stack(arrays)
    if not colour:
        x = x[..., None]
    return _finish(name, x, np.array(labels, dtype=np.int64), class_names, notices)


def _finish(name: str, x: np.ndarray, y: np.ndarray, class_names: list[str], notices: list[str]) -> Dataset:
    counts = np.bincount(y, minlength=len(class_names))
    if len(class_names) < 2:
        raise DatasetError("A classifier needs at least two classes.")
    if len(class_names) > MAX_CLASSES:
        raise DatasetError(f"There are {len(class_names)} classes; the limit is {MAX_CLASSES}.")
    small = [class_names[i] for i, count in enumerate(counts) if count < MIN_IMAGES_PER_CLASS]
    if small:
        raise DatasetError(
            f"Each class needs at least {MIN_IMAGES_PER_CLASS} images; too few in: {', '.join(small)}."
        )
    x_train, y_train, x_test, y_test = split(x, y, test_fraction=0.2, seed=0)
    description = f"Your data: {len(x)} images of {x.shape[1]}×{x.shape[2]}×{x.shape[3]} in {len(class_names)} classes."
    return Dataset(name, x_train, y_train, x_test, y_test, class_names, description, notices)


def _check_upload_size(data: bytes) -> None:
    if not data:
        raise DatasetError("The file is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise DatasetError(f"The file is {len(data) / 2**20:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB.")
