"""Image datasets that work offline: shipped digits, generated shapes, cached Keras sets, uploads.

Every dataset comes back as one `Dataset`: float32 NHWC images in [0, 1], integer labels,
class names, and any notices the user should read (skipped files, resized images).
"""

from __future__ import annotations

import io
import lzma
import math
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from dlviz import runtime
from dlviz.data import archives, images
from dlviz.runtime import keras

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_IMAGES = 20_000
MAX_CLASSES = 20
MIN_IMAGES_PER_CLASS = 5
MAX_SIDE = 64
IMAGE_SUFFIXES = set(images.SUFFIXES)
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
MAX_TOTAL_PIXELS = 200_000_000  # every picture of a zip together, judged from their headers before decoding
MAX_ARRAY_BYTES = 256 * 1024 * 1024  # an uploaded array as float32, judged from its .npy header before loading
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, NotImplementedError, RuntimeError,
                ValueError)


class _Unreadable(Exception):
    """One zip member that cannot be read, and why (a few words)."""


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """The bytes of one zip member, never more than it declares; `_Unreadable` says why not."""
    try:
        return archives.read_member(archive, member)
    except archives.ArchiveError as error:
        raise _Unreadable(error.reason) from None


def _open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    try:
        return archives.open_zip(data, what)
    except archives.ArchiveError as error:
        raise DatasetError(str(error)) from None


def from_npz(data: bytes, name: str = "upload.npz") -> Dataset:
    """An `.npz` with `x` (N×H×W or N×H×W×C) and `y` (N integer labels); never unpickles.

    Shapes and types are read from the arrays' headers and checked before anything is unpacked."""
    _check_upload_size(data)
    hint = "make one with numpy.savez(path, x=..., y=...)"
    archive = _open_zip(data, f".npz archive ({hint})")
    headers = _npy_headers(archive)
    if not {"x", "y"} <= set(headers):
        raise DatasetError(f"The .npz must hold arrays named 'x' and 'y'; it holds: {', '.join(sorted(headers)) or 'nothing'}.")
    (x_shape, x_type), (y_shape, y_type) = headers["x"], headers["y"]
    if x_type.hasobject or y_type.hasobject:
        raise DatasetError("The .npz holds Python objects, which dlviz never loads (they could run code). Save plain numeric arrays.")
    if x_type.kind not in "uif" or y_type.kind not in "ui":
        raise DatasetError("'x' must be numbers and 'y' whole-number class labels.")
    if len(x_shape) not in (3, 4) or (len(x_shape) == 4 and x_shape[-1] not in (1, 3)):
        raise DatasetError(f"'x' must be shaped (N, height, width) or (N, height, width, 1 or 3); it is {x_shape}.")
    if 0 in x_shape or 0 in y_shape:
        raise DatasetError(f"'x' has shape {x_shape} and 'y' {y_shape}: an empty dimension means there are no images to learn from.")
    if len(y_shape) != 1 or y_shape[0] != x_shape[0]:
        raise DatasetError(f"'y' must hold one label per image: {x_shape[0]} images but y has shape {y_shape}.")
    if x_shape[0] > MAX_IMAGES or max(x_shape[1:3]) > 256:
        raise DatasetError(f"At most {MAX_IMAGES:,} images of at most 256×256 are accepted; 'x' has shape {x_shape}.")
    size = math.prod(x_shape) * max(4, x_type.itemsize)
    if size > MAX_ARRAY_BYTES:
        raise DatasetError(f"'x' (shape {x_shape}) would take {size / 2**20:,.0f} MB in memory; the limit is "
                           f"{MAX_ARRAY_BYTES // 2**20} MB.")
    try:
        arrays = np.load(io.BytesIO(data), allow_pickle=False)
        x, y = arrays["x"], arrays["y"]
    except _READ_ERRORS:
        raise DatasetError("The .npz is damaged: its arrays cannot be unpacked.") from None
    if x.ndim == 3:
        x = x[..., None]
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


def _npy_headers(archive: zipfile.ZipFile) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Each array's shape and type from its .npy header, reading only the header's bytes."""
    headers = {}
    for member in archive.infolist():
        if not member.filename.endswith(".npy"):
            continue
        key = member.filename[:-4]
        problem = archives.member_problem(member)
        if problem.startswith("encrypted"):
            raise DatasetError("The .npz is encrypted (password-protected); save it again with numpy.savez.")
        if problem:
            raise DatasetError(f"The .npz is {problem}; save it again with numpy.savez.")
        try:
            with archive.open(member) as handle:
                version = np.lib.format.read_magic(handle)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
                else:
                    raise DatasetError(f"Array '{key}' uses .npy format version {version}, which dlviz does not read.")
        except DatasetError:
            raise
        except _READ_ERRORS:
            raise DatasetError(f"Array '{key}' in the .npz is damaged: its header cannot be read.") from None
        headers[key] = (tuple(int(size) for size in shape), np.dtype(dtype))
    return headers


def from_zip(data: bytes, name: str = "upload.zip") -> Dataset:
    """A zip with one folder of images per class; read in memory, never extracted to disk.

    Every picture's size is read from its header and checked (alone and all together) before any is decoded."""
    _check_upload_size(data)
    archive = _open_zip(data, "zip archive")
    try:
        members = archive.infolist()
    except _READ_ERRORS:
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
    class_names = sorted(by_class)
    headers, skipped = _picture_headers(archive, by_class, class_names)
    return _images_to_dataset(name, headers, class_names, skipped)


@dataclass
class _Picture:
    """One picture of a zip, its header read but its pixels not decoded yet."""

    filename: str
    raw: bytes
    label: int
    size: tuple[int, int]
    mode: str


def _picture_headers(archive: zipfile.ZipFile, by_class: dict[str, list[zipfile.ZipInfo]],
                     class_names: list[str]) -> tuple[list[_Picture], dict[str, list[str]]]:
    pictures: list[_Picture] = []
    skipped: dict[str, list[str]] = {}
    total = 0
    for label, class_name in enumerate(class_names):
        for member in by_class[class_name]:
            try:
                raw = _read_member(archive, member)
                header = images.open_header(raw)
                images.check_declared_size(header, "A picture")
            except _Unreadable as reason:
                skipped.setdefault(str(reason), []).append(member.filename)
                continue
            except images.ImageError as error:
                reason = "too large" if "limit" in str(error) else "not images dlviz can read"
                skipped.setdefault(reason, []).append(member.filename)
                continue
            total += header.size[0] * header.size[1]
            if total > MAX_TOTAL_PIXELS:
                raise DatasetError(f"The pictures in the zip declare more than {MAX_TOTAL_PIXELS // 1_000_000} megapixels "
                                   "together (the limit); every picture is shrunk to at most "
                                   f"{MAX_SIDE}×{MAX_SIDE} anyway, so send smaller ones.")
            pictures.append(_Picture(member.filename, raw, label, header.size, header.mode))
    return pictures, skipped


def _images_to_dataset(name: str, pictures: list[_Picture], class_names: list[str], skipped: dict[str, list[str]]) -> Dataset:
    notices = [_skipped_notice(reason, names) for reason, names in skipped.items()]
    if not pictures:
        reasons = "; ".join(f"{len(names)} {reason}" for reason, names in skipped.items())
        if skipped and set(skipped) == {"encrypted (password-protected)"}:
            raise DatasetError("The zip is password-protected; dlviz cannot read encrypted zips. Zip the folders again "
                               "without a password.")
        raise DatasetError("No readable images were found" + (f" ({reasons})." if reasons else "."))
    colour = any(picture.mode not in GREY_MODES for picture in pictures)
    sizes = [picture.size for picture in pictures]
    side = min(MAX_SIDE, max(max(size) for size in sizes))
    if len(set(sizes)) > 1 or sizes[0] != (side, side):
        notices.append(f"Images were resized to {side}×{side} (sizes found: {len(set(sizes))} different).")
    arrays, labels, conversions, damaged = [], [], {}, []
    for picture in pictures:
        try:
            opened, _ = images.open_image(picture.raw, reduce_to=max(side * 4, 256))
            array, converted = images.to_array(opened, 3 if colour else 1)
        except images.ImageError:
            damaged.append(picture.filename)
            continue
        for conversion in converted:
            conversions[conversion] = conversions.get(conversion, 0) + 1
        arrays.append(_resize_square(array, side))
        labels.append(picture.label)
        picture.raw = b""  # the decoded copy is all that is kept
    if damaged:
        notices.append(_skipped_notice("damaged (they cannot be decoded)", damaged))
    if not arrays:
        raise DatasetError("No readable images were found: every picture is damaged.")
    notices += [f"{count} image(s): {conversion}" for conversion, count in conversions.items()]
    return _finish(name, np.stack(arrays), np.array(labels, dtype=np.int64), class_names, notices)


GREY_MODES = ("L", "1", "I", "I;16", "I;16L", "I;16B", "I;16N", "F", "LA", "La")


def _skipped_notice(reason: str, names: list[str]) -> str:
    shown = ", ".join(names[:10]) + (" …" if len(names) > 10 else "")
    return f"{len(names)} file(s) skipped, {reason}: {shown}"


def _resize_square(array: np.ndarray, side: int) -> np.ndarray:
    """An (H, W, C) float image resized to side × side (bilinear, each channel)."""
    if array.shape[:2] == (side, side):
        return array
    layers = [np.asarray(Image.fromarray(array[..., c], mode="F").resize((side, side), Image.Resampling.BILINEAR))
              for c in range(array.shape[-1])]
    return np.clip(np.stack(layers, axis=-1), 0, 1).astype(np.float32)


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
