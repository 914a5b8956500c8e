"""Train the shipped demo CNN (assets/demo_model.keras): it reads the shipped digits and what students draw or photograph.

Run from the repository root:  python scripts/train_demo_model.py

The training data, all made here from a fixed seed:
- the shipped scikit-learn digits (training split only, 28×28) as they are, slightly moved and turned, so the
  inspector's dataset samples are read as before (goal >= 97% on their test split);
- the same digits bent (elastic distortion), turned, slanted, stretched, thickened or thinned, then put through
  the app's own input path (`images` digit recipe: ink, crop, strokes redrawn, box, centre of mass, blur) with its
  box, stroke width and blur varied a little;
- digits typed in the fonts on this machine (`fc-list`), handwriting fonts included, distorted the same way and
  put through the same path.
Fonts used for held-out testing (matplotlib's STIX and Computer Modern, Pillow's Aileron) are never used here.
More fonts make a better model; on Debian this script was run after
  apt-get install fonts-dejavu fonts-liberation fonts-comic-neue fonts-dkg-handwriting fonts-breip fonts-bwht \
    fonts-humor-sans fonts-kristi fonts-dancingscript fonts-freefont-ttf fonts-urw-base35 fonts-cantarell fonts-lato \
    fonts-linuxlibertine fonts-crosextra-carlito fonts-crosextra-caladea fonts-ebgaramond fonts-klee fonts-cabin \
    fonts-dosis fonts-inconsolata
(only this script needs them; the app and its tests do not).

It prints the accuracy on the shipped test digits and the file size (<= 1 MB); `bench/demo_model.py` and
`tests/test_demo_model.py` measure it on held-out drawings and photos. Seeds are fixed; runs agree closely,
not bit for bit (TensorFlow's CPU kernels are not deterministic across runs).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from dlviz import runtime  # noqa: E402
from dlviz.cnn import architecture  # noqa: E402
from dlviz.cnn.architecture import layer  # noqa: E402
from dlviz.data import datasets, images, modelio  # noqa: E402
from dlviz.training import training  # noqa: E402

DEMO_LAYERS = [
    layer("Conv2D", filters=16, kernel=3, padding="same", activation="relu"),
    layer("MaxPool2D", pool=2, stride=2),
    layer("Conv2D", filters=32, kernel=3, padding="same", activation="relu"),
    layer("MaxPool2D", pool=2, stride=2),
    layer("Flatten"),
    layer("Dropout", rate=0.4),
    layer("Dense", units=64, activation="relu"),
]  # the same layers as before: a third convolution read held-out digits 1 point better but cost the inspector ~1.5× per picture
DATASET = "digits28"
SHAPE = (28, 28, 1)
SEED = 7
CONFIG = training.TrainConfig(epochs=14, batch_size=64, learning_rate=1e-3, optimizer="adam", validation_split=0.05, seed=SEED,
                              snapshot_limit=2)
# Fonts kept out of training: the held-out test types digits in these. Symbol fonts have no real digits.
HELD_OUT_FONTS = ("stix", "cmr10", "cmss10", "cmtt10", "cmb10", "cmti10", "aileron")
NOT_DIGITS = ("d050000l", "standardsymbols", "linbiolinum_k", "femkeklaver", "linlibertine_i.")


def training_fonts() -> list[str]:
    """Every TrueType/OpenType font on this machine that has real digits and is not held out."""
    try:
        listed = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        listed = [str(path) for path in Path("/usr/share/fonts").rglob("*") if path.suffix in (".ttf", ".otf")]
    fonts = sorted({path for path in listed if path.lower().endswith((".ttf", ".otf"))})
    fonts = [path for path in fonts if not any(mark in Path(path).name.lower() for mark in HELD_OUT_FONTS + NOT_DIGITS)]
    return [path for path in fonts if _has_digits(path)]


def _has_digits(path: str) -> bool:
    try:
        font = ImageFont.truetype(path, 40)
    except OSError:
        return False
    masks = [np.asarray(_glyph(font, str(digit))) for digit in range(10)]
    shapes = {mask.tobytes() for mask in masks}
    return len(shapes) == 10 and all(mask.any() for mask in masks)


def _glyph(font: ImageFont.FreeTypeFont, text: str) -> Image.Image:
    size = int(font.size)
    canvas = Image.new("L", (size * 3, size * 3), 0)
    ImageDraw.Draw(canvas).text((size, size // 2), text, fill=255, font=font)
    box = canvas.getbbox()
    return canvas.crop(box) if box else canvas.crop((0, 0, 1, 1))


# -- distortions ------------------------------------------------------------------------------------
def distort(ink: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """Light-on-dark ink bent (elastic), turned, slanted, stretched, thickened or thinned, on a larger canvas."""
    ndimage = runtime.imported("scipy.ndimage")
    pad = max(ink.shape) // 2
    ink = np.pad(ink, pad)
    rows, cols = ink.shape
    angle = math.radians(rng.uniform(-15, 15) * strength)
    shear = rng.uniform(-0.35, 0.35) * strength
    stretch = math.exp(rng.uniform(-0.3, 0.2) * strength)  # narrower or wider
    cos, sin = math.cos(angle), math.sin(angle)
    matrix = np.array([[cos, -sin], [sin, cos]]) @ np.array([[1, 0], [shear, 1 / stretch]])
    centre = np.array([rows / 2, cols / 2])
    y, x = np.indices(ink.shape, dtype=np.float32)
    coords = np.stack([y - centre[0], x - centre[1]])
    source = np.tensordot(np.linalg.inv(matrix), coords, axes=1) + centre[:, None, None]
    amplitude = (max(rows, cols) - 2 * pad) * rng.uniform(0.0, 0.06) * strength  # elastic: up to 6% of the digit
    for axis in range(2):
        coarse = rng.uniform(-1, 1, size=(5, 5))  # a smooth random displacement field from a coarse grid
        field = np.asarray(Image.fromarray(coarse.astype(np.float32), mode="F").resize((cols, rows), Image.Resampling.BICUBIC))
        source[axis] += field * amplitude
    warped = ndimage.map_coordinates(ink, source, order=1, mode="constant", cval=0.0)
    thickness = int(rng.integers(-2, 4)) if strength > 0 else 0
    if thickness > 0:
        warped = ndimage.grey_dilation(warped, size=(thickness + 1, thickness + 1))
    elif thickness < 0:
        thinner = ndimage.grey_erosion(warped, size=(2, 2))
        warped = thinner if thinner.max() > 0.5 else warped
    return np.clip(warped, 0, 1).astype(np.float32)


def canonical(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The app's digit recipe on light-on-dark ink, with the box, stroke width and blur varied a little."""
    recipe = images.Recipe("digits", True, box=rng.uniform(18, 22) / 28, stroke=rng.uniform(0.12, 0.2),
                           blur=rng.uniform(0.6, 1.0))
    prepared = images.from_array_steps(ink[..., None], SHAPE, False, [], recipe)
    array = prepared.array[..., 0]
    shift = rng.uniform(-1.5, 1.5, size=2)
    return runtime.imported("scipy.ndimage").shift(array, shift, order=1).clip(0, 1)


def raw_variant(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A shipped digit as it is, moved by up to two pixels and turned by up to 8 degrees."""
    ndimage = runtime.imported("scipy.ndimage")
    turned = ndimage.rotate(image, rng.uniform(-8, 8), reshape=False, order=1)
    return ndimage.shift(turned, rng.uniform(-2, 2, size=2), order=1).clip(0, 1)


# -- the training set -------------------------------------------------------------------------------
def font_inks(fonts: list[str]) -> list[tuple[np.ndarray, int]]:
    """Each digit in each font, light on dark, about 64 pixels tall."""
    inks = []
    for path in fonts:
        font = ImageFont.truetype(path, 72)
        for digit in range(10):
            glyph = np.asarray(_glyph(font, str(digit)), dtype=np.float32) / 255.0
            inks.append((np.pad(glyph, 4), digit))
    return inks


def build_training_set(rng: np.random.Generator, per_digit_image: int, per_font_glyph: int, raw_copies: int):
    ndimage = runtime.imported("scipy.ndimage")
    shipped = datasets.load(DATASET)
    x, y = [shipped.x_train[..., 0]], [shipped.y_train]
    for _ in range(raw_copies):
        x.append(np.stack([raw_variant(image, rng) for image in shipped.x_train[..., 0]]))
        y.append(shipped.y_train)
    started = time.perf_counter()
    drawn, labels = [], []
    for image, label in zip(shipped.x_train[..., 0], shipped.y_train):
        large = (ndimage.zoom(image, 3, order=1) * 1.8).clip(0, 1)  # 8×8 counts made solid strokes before the recipe
        for _ in range(per_digit_image):
            drawn.append(canonical(distort(large, rng), rng))
            labels.append(label)
    print(f"  shipped digits through the recipe: {len(drawn):,} in {time.perf_counter() - started:.0f} s", flush=True)
    fonts = training_fonts()
    started = time.perf_counter()
    typed = 0
    for ink, label in font_inks(fonts):
        for _ in range(per_font_glyph):
            drawn.append(canonical(distort(ink, rng), rng))
            labels.append(label)
            typed += 1
    print(f"  {len(fonts)} fonts through the recipe: {typed:,} in {time.perf_counter() - started:.0f} s", flush=True)
    x.append(np.stack(drawn))
    y.append(np.array(labels))
    x_all = np.concatenate(x)[..., None].astype(np.float32)
    y_all = np.concatenate(y).astype(np.int64)
    order = rng.permutation(len(x_all))
    return x_all[order], y_all[order], shipped, len(fonts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-digit", type=int, default=8, help="distorted copies of each shipped training digit")
    parser.add_argument("--per-glyph", type=int, default=10, help="distorted copies of each font's digit")
    parser.add_argument("--raw-copies", type=int, default=3, help="moved copies of the shipped digits as they are")
    parser.add_argument("--out", type=Path, default=ROOT / "assets")
    parser.add_argument("--cache", type=Path, help="keep the generated training set in this .npz (and reuse it)")
    arguments = parser.parse_args()
    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    if arguments.cache and arguments.cache.exists():
        cached = np.load(arguments.cache, allow_pickle=False)
        x_train, y_train, font_count = cached["x"], cached["y"], int(cached["fonts"])
        shipped = datasets.load(DATASET)
    else:
        x_train, y_train, shipped, font_count = build_training_set(rng, arguments.per_digit, arguments.per_glyph,
                                                                   arguments.raw_copies)
        if arguments.cache:
            np.savez_compressed(arguments.cache, x=x_train, y=y_train, fonts=font_count)
    print(f"training set: {len(x_train):,} images ({time.perf_counter() - started:.0f} s to make)", flush=True)
    model = architecture.build_model(DEMO_LAYERS, SHAPE, 10)
    data = training.Data(x_train, y_train)  # the last 5% are kept for validation; the shipped test digits stay unseen
    started = time.perf_counter()
    run = training.train(model, data, CONFIG, training.classify(10),
                         on_epoch=lambda run: print(f"  epoch {run.finished_epochs}: {run.history[-1]}", flush=True))
    print(f"trained {run.outcome} in {time.perf_counter() - started:.0f} s", flush=True)
    accuracy = training.evaluate(model, shipped).accuracy
    blob = modelio.save_model(model, include_optimizer=False)
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / "demo_model.keras").write_bytes(blob)
    meta = {"dataset": DATASET, "class_names": shipped.class_names, "test_accuracy": round(accuracy, 4),
            "training_images": int(len(x_train)), "training_fonts": font_count, "made_by": "scripts/train_demo_model.py"}
    (arguments.out / "demo_model.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"test accuracy on the shipped digits {accuracy:.2%}, file size {len(blob) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
