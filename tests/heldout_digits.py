"""Held-out digits the demo model never trained on, as a class would give them to the app.

Four styles, each through the app's own input path:
- "canvas": strokes drawn with a mouse on the inspector's 224×224 canvas (white on black) -> `images.from_drawing`;
- "pen": a pen drawing saved as a PNG (dark ink on white, thin or thick) -> `images.prepare`;
- "photo": a phone photo of ink on paper (uneven light, tinted paper, noise, blur, JPEG) -> `images.prepare`;
- "font": digits typed in fonts that are not among the training fonts (matplotlib's STIX and Computer Modern,
  Pillow's own Aileron), dark on light or light on dark, at any size and place -> `images.prepare`.

The strokes come from our own skeletons of handwritten digits (several ways to write each one), bent,
slanted, rotated, stretched, shaken, sized and placed at random. The demo model's training script uses none
of this: it learns from the shipped scikit-learn digits and from other fonts.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from dlviz.data import images

STYLES = ("canvas", "pen", "photo", "font")
Stroke = list[tuple[float, float]]


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, points: int = 24) -> Stroke:
    """Points along an elliptical arc; angles in degrees, 0 = right, 90 = down (image coordinates)."""
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(start, end, points)]


# Each digit: a few ways of writing it, each a list of strokes in a unit box (x right, y down).
SKELETONS: dict[int, list[list[Stroke]]] = {
    0: [[_arc(0.5, 0.5, 0.32, 0.48, -100, 262)],
        [_arc(0.5, 0.5, 0.38, 0.46, 250, -95)]],
    1: [[[(0.5, 0.02), (0.5, 0.98)]],
        [[(0.28, 0.22), (0.55, 0.02), (0.55, 0.98)]],
        [[(0.3, 0.2), (0.55, 0.02), (0.55, 0.98)], [(0.3, 0.98), (0.8, 0.98)]]],
    2: [[_arc(0.5, 0.3, 0.33, 0.28, 200, 360) + [(0.78, 0.42), (0.15, 0.98), (0.88, 0.98)]],
        [_arc(0.48, 0.28, 0.3, 0.26, 180, 380) + [(0.55, 0.62), (0.2, 0.95)] + _arc(0.3, 0.9, 0.1, 0.08, 180, 330)[3:]
         + [(0.9, 0.96)]]],
    3: [[_arc(0.48, 0.27, 0.3, 0.24, 200, 450) + _arc(0.48, 0.74, 0.34, 0.25, 270, 520)],
        [[(0.18, 0.03), (0.82, 0.03), (0.42, 0.42)] + _arc(0.48, 0.7, 0.34, 0.28, 270, 510)]],
    4: [[[(0.62, 0.02), (0.1, 0.66), (0.9, 0.66)], [(0.64, 0.3), (0.64, 0.98)]],
        [[(0.2, 0.02), (0.14, 0.6), (0.85, 0.6)], [(0.7, 0.05), (0.7, 0.98)]],
        [[(0.66, 0.98), (0.66, 0.02), (0.08, 0.68), (0.92, 0.68)]]],
    5: [[[(0.82, 0.03), (0.25, 0.03), (0.2, 0.45)] + _arc(0.5, 0.68, 0.34, 0.29, 225, 505)],
        [[(0.22, 0.05), (0.18, 0.46)] + _arc(0.5, 0.68, 0.33, 0.29, 215, 500), [(0.22, 0.05), (0.85, 0.04)]]],
    6: [[[(0.72, 0.02), (0.45, 0.18), (0.25, 0.45)] + _arc(0.5, 0.7, 0.3, 0.27, 180, 540)],
        [_arc(0.62, 0.45, 0.45, 0.44, 260, 180) + _arc(0.5, 0.72, 0.32, 0.25, 180, 520)]],
    7: [[[(0.1, 0.04), (0.9, 0.04), (0.38, 0.98)]],
        [[(0.1, 0.04), (0.9, 0.04), (0.42, 0.98)], [(0.35, 0.5), (0.82, 0.5)]],
        [[(0.12, 0.15), (0.15, 0.03), (0.88, 0.05), (0.5, 0.55), (0.42, 0.98)]]],
    8: [[_arc(0.5, 0.27, 0.27, 0.24, 90, 450), _arc(0.5, 0.74, 0.33, 0.25, -90, 270)],
        [_arc(0.5, 0.26, 0.26, 0.23, 30, 300) + [(0.78, 0.62)] + _arc(0.5, 0.74, 0.32, 0.24, -20, 200)
         + [(0.7, 0.38), (0.73, 0.2)]]],
    9: [[_arc(0.48, 0.3, 0.3, 0.27, 10, 372), [(0.78, 0.3), (0.76, 0.98)]],
        [_arc(0.5, 0.3, 0.3, 0.27, 0, 362) + [(0.78, 0.55), (0.6, 0.98)]],
        [_arc(0.48, 0.28, 0.3, 0.26, 20, 380) + _arc(0.44, 0.5, 0.34, 0.48, 0, 100)]],
}


def _smooth_noise(rng: np.random.Generator, count: int, scale: float) -> np.ndarray:
    """A wobble along a stroke: random values smoothed over neighbouring points (a shaky hand)."""
    raw = rng.normal(0, scale, size=(count + 6, 2))
    kernel = np.ones(5) / 5
    return np.stack([np.convolve(raw[:, k], kernel, mode="same") for k in (0, 1)], axis=1)[3:count + 3]


def written(digit: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One way of writing `digit`, bent, slanted, rotated, stretched and shaken: strokes in a unit-ish box."""
    variant = SKELETONS[digit][int(rng.integers(len(SKELETONS[digit])))]
    slant, angle = rng.uniform(-0.35, 0.25), math.radians(rng.uniform(-12, 12))
    aspect = rng.uniform(0.65, 1.15)
    bend = rng.uniform(-0.06, 0.06)
    strokes = []
    for stroke in variant:
        points = np.array(stroke, dtype=float)
        points = points + rng.normal(0, 0.008, size=points.shape)  # where each written point really lands
        points = points + _smooth_noise(rng, len(points), 0.02)
        x, y = points[:, 0] - 0.5, points[:, 1] - 0.5
        x = x * aspect + bend * (y ** 2 - 0.25) * 2  # a bow in the vertical strokes
        x = x - slant * y
        cos, sin = math.cos(angle), math.sin(angle)
        strokes.append(np.stack([x * cos - y * sin, x * sin + y * cos], axis=1))
    return strokes


def _place(strokes: list[np.ndarray], height: float, centre: tuple[float, float]) -> list[np.ndarray]:
    every = np.concatenate(strokes)
    low, high = every.min(axis=0), every.max(axis=0)
    scale = height / max(high[1] - low[1], 1e-6)
    middle = (low + high) / 2
    return [(stroke - middle) * scale + np.array(centre) for stroke in strokes]


def _draw(draw: ImageDraw.ImageDraw, strokes: list[np.ndarray], width: float, fill, rng: np.random.Generator | None = None,
          pressure: bool = False) -> None:
    """Polylines with round caps and joints, optionally with the width varying like pen pressure."""
    for stroke in strokes:
        for index, (start, end) in enumerate(zip(stroke[:-1], stroke[1:])):
            w = width * (0.75 + 0.5 * abs(math.sin(index / 4 + (rng.uniform(0, 3) if rng is not None else 0)))) if pressure else width
            draw.line([tuple(start), tuple(end)], fill=fill, width=max(1, int(round(w))))
            r = w / 2
            draw.ellipse([end[0] - r, end[1] - r, end[0] + r, end[1] + r], fill=fill)
        r = width / 2
        draw.ellipse([stroke[0][0] - r, stroke[0][1] - r, stroke[0][0] + r, stroke[0][1] + r], fill=fill)


def canvas_drawing(digit: int, rng: np.random.Generator) -> np.ndarray:
    """What the inspector's canvas returns for a mouse-drawn digit: 224×224 RGBA, white strokes on black."""
    side = 224
    height = rng.uniform(70, 200)
    width = rng.uniform(8, 28)
    margin = height / 2 + width
    centre = (rng.uniform(min(margin, side / 2), max(side - margin, side / 2)),
              rng.uniform(min(margin, side / 2), max(side - margin, side / 2)))
    picture = Image.new("RGBA", (side, side), (0, 0, 0, 255))
    _draw(ImageDraw.Draw(picture), _place(written(digit, rng), height, centre), width, (255, 255, 255, 255))
    return np.asarray(picture)


def _random_centre(width_px: int, height_px: int, margin: float, rng: np.random.Generator) -> tuple[float, float]:
    """Where a digit goes: anywhere that keeps `margin` pixels from every edge (the middle when there is no room)."""
    return (rng.uniform(min(margin, width_px / 2), max(width_px - margin, width_px / 2)),
            rng.uniform(min(margin, height_px / 2), max(height_px - margin, height_px / 2)))


def pen_drawing(digit: int, rng: np.random.Generator) -> bytes:
    """A digit drawn with a pen in a drawing program, saved as a PNG: dark ink on white."""
    width_px, height_px = int(rng.integers(120, 640)), int(rng.integers(120, 640))
    height = rng.uniform(0.35, 0.85) * height_px
    pen = max(1.5, rng.uniform(0.02, 0.1) * height)
    centre = _random_centre(width_px, height_px, height / 2 + pen, rng)
    ink = tuple(int(v) for v in rng.integers(0, 70, size=3))
    picture = Image.new("RGB", (width_px, height_px), (255, 255, 255))
    _draw(ImageDraw.Draw(picture), _place(written(digit, rng), height, centre), pen, ink)
    return _encode(picture, "PNG")


def paper_photo(digit: int, rng: np.random.Generator) -> bytes:
    """A phone photo of a digit written in ink on paper: uneven light, tinted paper, pen pressure, blur, JPEG."""
    width_px, height_px = int(rng.integers(240, 800)), int(rng.integers(240, 800))
    height = rng.uniform(0.35, 0.8) * height_px
    pen = max(2.0, rng.uniform(0.03, 0.09) * height)
    centre = _random_centre(width_px, height_px, height / 2 + pen, rng)
    mask = Image.new("L", (width_px, height_px), 0)
    _draw(ImageDraw.Draw(mask), _place(written(digit, rng), height, centre), pen, 255, rng, pressure=True)
    mask = mask.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.0)))
    ink_strength = np.asarray(mask, dtype=np.float32)[..., None] / 255 * rng.uniform(0.6, 0.95)
    y, x = np.mgrid[0:height_px, 0:width_px] / max(width_px, height_px)
    direction = rng.uniform(0, 2 * math.pi)
    light = rng.uniform(0.6, 0.9) + rng.uniform(0.05, 0.25) * (np.cos(direction) * x + np.sin(direction) * y)
    light = light - rng.uniform(0, 0.15) * ((x - 0.5) ** 2 + (y - 0.5) ** 2)  # darker towards the corners
    paper = np.array([1.0, rng.uniform(0.93, 1.0), rng.uniform(0.82, 0.97)]) * light[..., None]
    ink = np.array([rng.uniform(0.05, 0.2), rng.uniform(0.05, 0.2), rng.uniform(0.1, 0.45)])
    photo = paper * (1 - ink_strength) + ink * light[..., None] * ink_strength
    photo = photo + rng.normal(0, rng.uniform(0.01, 0.035), size=photo.shape)
    picture = Image.fromarray((np.clip(photo, 0, 1) * 255).astype(np.uint8), mode="RGB")
    return _encode(picture, "JPEG", quality=int(rng.integers(55, 92)))


def heldout_fonts() -> list[str]:
    """Fonts the training script never uses: matplotlib's STIX and Computer Modern (always installed with it)."""
    import matplotlib

    folder = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf"
    names = ["STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf",
             "cmr10.ttf", "cmss10.ttf", "cmtt10.ttf", "cmb10.ttf"]
    return [str(folder / name) for name in names if (folder / name).exists()]


def typed(digit: int, rng: np.random.Generator, fonts: list[str]) -> bytes:
    """A digit typed in a held-out font (or Pillow's own Aileron), at any size and place, either polarity."""
    width_px, height_px = int(rng.integers(60, 500)), int(rng.integers(60, 500))
    size = max(32, int(rng.uniform(0.4, 0.9) * min(width_px, height_px) * 1.3))
    choice = int(rng.integers(len(fonts) + 1))
    font = ImageFont.truetype(fonts[choice], size) if choice < len(fonts) else ImageFont.load_default(size)
    dark_on_light = rng.random() < 0.6
    background, ink = (int(rng.integers(190, 256)), int(rng.integers(0, 80))) if dark_on_light else \
        (int(rng.integers(0, 60)), int(rng.integers(170, 256)))
    glyph = Image.new("L", (size * 2, size * 2), 0)
    ImageDraw.Draw(glyph).text((size // 2, size // 2), str(digit), fill=255, font=font)
    glyph = glyph.rotate(rng.uniform(-10, 10), resample=Image.Resampling.BILINEAR)
    glyph = glyph.crop(glyph.getbbox())
    scale = min(1.0, 0.9 * width_px / glyph.width, 0.9 * height_px / glyph.height)
    glyph = glyph.resize((max(1, int(glyph.width * scale)), max(1, int(glyph.height * scale))), Image.Resampling.LANCZOS)
    picture = Image.new("L", (width_px, height_px), background)
    left = int(rng.integers(0, width_px - glyph.width + 1))
    top = int(rng.integers(0, height_px - glyph.height + 1))
    picture.paste(Image.new("L", glyph.size, ink), (left, top), glyph)
    return _encode(picture, "PNG")


def _encode(picture: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **options)
    return buffer.getvalue()


@dataclass
class Heldout:
    """Model inputs prepared by the app's own input path, their true digits and their styles."""

    x: np.ndarray
    y: np.ndarray
    styles: np.ndarray


def pictures(per_style: int = 100, seed: int = 2024, styles: tuple[str, ...] = STYLES) -> list[tuple[str, object, int]]:
    """(style, picture, digit) triples: a canvas array for "canvas", file bytes for the others; digits in turn."""
    rng = np.random.default_rng(seed)
    fonts = heldout_fonts()
    made = []
    for style in styles:
        for index in range(per_style):
            digit = index % 10
            if style == "canvas":
                picture = canvas_drawing(digit, rng)
            elif style == "pen":
                picture = pen_drawing(digit, rng)
            elif style == "photo":
                picture = paper_photo(digit, rng)
            else:
                picture = typed(digit, rng, fonts)
            made.append((style, picture, digit))
    return made


def prepare_all(made: list[tuple[str, object, int]], input_shape: tuple[int, int, int] = (28, 28, 1),
                recipe: images.Recipe | None = None) -> Heldout:
    """Each picture through the inspector's own input path: `from_drawing` for the canvas, `prepare` for files."""
    inputs = [images.from_drawing(picture, input_shape, recipe=recipe)[0] if style == "canvas"
              else images.prepare(picture, input_shape, recipe=recipe)[0] for style, picture, _ in made]
    return Heldout(np.stack(inputs), np.array([digit for *_, digit in made]), np.array([style for style, *_ in made]))


def heldout_set(per_style: int = 100, seed: int = 2024, input_shape: tuple[int, int, int] = (28, 28, 1),
                styles: tuple[str, ...] = STYLES, recipe: images.Recipe | None = None) -> Heldout:
    """`per_style` digits of each style (an equal number of each digit), prepared exactly as the inspector does."""
    return prepare_all(pictures(per_style, seed, styles), input_shape, recipe)
