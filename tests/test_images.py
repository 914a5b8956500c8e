"""Uploaded and drawn pictures become exactly the model's input, step by step, and every bad file gets a clear error."""

import io
import tracemalloc

import numpy as np
import pytest
from PIL import Image, ImageDraw

from dlviz.data import images
from dlviz.data.images import ImageError


def encode(picture: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def seven(size: int = 224, width: int = 18, scale: float = 1.0, offset: tuple[int, int] = (0, 0), ink=255, paper=0) -> Image.Image:
    """A 7 drawn with straight strokes: the same skeleton at any size, place and pen width."""
    picture = Image.new("L", (size, size), paper)
    points = [(60, 50), (170, 50), (100, 190)]
    points = [(offset[0] + x * scale, offset[1] + y * scale) for x, y in points]
    ImageDraw.Draw(picture).line(points, fill=ink, width=width, joint="curve")
    return picture


def rgba(picture: Image.Image) -> np.ndarray:
    return np.asarray(picture.convert("RGBA"))


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


# -- the plain path: convert, pad, resize --------------------------------------------------------
def test_fit_keeps_aspect_and_scales_to_unit_range():
    picture = Image.new("L", (40, 20), 0)
    picture.paste(255, (10, 5, 30, 15))
    result = images.to_model_input(encode(picture), (28, 28, 1), invert=False, recipe=images.FIT)
    assert result.shape == (28, 28, 1) and result.dtype == np.float32
    assert result.min() >= 0.0 and result.max() <= 1.0
    rows = np.flatnonzero(result[..., 0].max(axis=1) > 0.5)
    assert rows.min() >= 7 and rows.max() <= 20  # padded top and bottom: the 2:1 picture stays 2:1


def test_colour_model_gets_three_channels():
    result = images.to_model_input(encode(Image.new("RGB", (32, 32), (200, 10, 10))), (32, 32, 3), invert=False)
    assert result.shape == (32, 32, 3)
    np.testing.assert_allclose(result[16, 16], [200 / 255, 10 / 255, 10 / 255], atol=0.01)


def test_recipe_follows_the_model():
    assert images.recipe_for("digits28", (28, 28, 1)) is images.DIGITS
    assert images.recipe_for("mnist", (28, 28, 1)) is images.DIGITS
    assert images.recipe_for("shapes", (28, 28, 1)) is images.FIT
    assert images.recipe_for(None, (32, 32, 3)) is images.FIT
    assert images.recipe_for(None, (28, 28, 1)) is images.DIGITS


# -- the digit recipe, step by step --------------------------------------------------------------
def test_digit_steps_crop_scale_centre_and_blur():
    prepared = images.drawing_steps(rgba(seven(offset=(-40, -30), scale=0.6)), (28, 28, 1))
    titles = [step.title for step in prepared.steps]
    assert titles == ["your picture", "ink", "cropped to the ink", "strokes redrawn", "scaled to a 20-pixel box",
                      "centred by mass", "blurred"]
    final = prepared.array[..., 0]
    np.testing.assert_array_equal(final, prepared.steps[-1].image)
    scaled = prepared.steps[4].image
    assert max(scaled.shape) == 20  # the longer side fills the box, proportions kept
    centred = prepared.steps[5].image
    rows, cols = np.indices(centred.shape)
    assert abs((rows * centred).sum() / centred.sum() - 13.5) < 0.05  # centre of mass in the middle
    assert abs((cols * centred).sum() / centred.sum() - 13.5) < 0.05
    assert final.max() == pytest.approx(1.0) and final[0].max() == 0.0  # peak 1, border black


def test_same_digit_any_size_place_and_pen_gives_the_same_input():
    reference = images.from_drawing(rgba(seven()), (28, 28, 1))[0]
    variants = [
        seven(scale=0.45, offset=(90, 100), width=6),  # small, in a corner, thin pen
        seven(scale=0.9, width=34),  # a marker
        seven(width=3, ink=20, paper=240),  # a fine pen on paper: dark on light
    ]
    for variant in variants[:2]:
        assert correlation(images.from_drawing(rgba(variant), (28, 28, 1))[0], reference) > 0.9
    result, notices = images.prepare(encode(variants[2]), (28, 28, 1))
    assert correlation(result, reference) > 0.9 and any("inverted" in notice for notice in notices)


def test_unevenly_lit_photo_is_levelled():
    clean = images.from_drawing(rgba(seven()), (28, 28, 1))[0]
    y, x = np.mgrid[0:224, 0:224] / 224
    paper = 0.45 + 0.45 * x + 0.05 * y  # light falls from one side
    ink = np.asarray(seven(width=8), dtype=np.float32) / 255
    photo = np.clip(paper * (1 - 0.8 * ink) + np.random.default_rng(0).normal(0, 0.02, paper.shape), 0, 1)
    data = encode(Image.fromarray((photo * 255).astype(np.uint8)), "JPEG", quality=80)
    assert correlation(images.prepare(data, (28, 28, 1))[0], clean) > 0.85


def test_background_fit_recovers_a_gradient_under_bright_strokes():
    y, x = np.mgrid[0:100, 0:120] / 100
    truth = (0.1 + 0.3 * x + 0.1 * y * y).astype(np.float32)
    picture = truth.copy()
    picture[20:80, 50:58] = 1.0  # a bright stroke
    np.testing.assert_allclose(images.background(picture), truth, atol=0.02)


def test_skeleton_and_stroke_width():
    bar = np.zeros((40, 60), dtype=bool)
    bar[18:23, 5:55] = True  # 5 pixels wide
    lines = images.skeleton(bar)
    assert lines.sum() >= 40 and lines.any(axis=1).sum() <= 2  # one line along the bar
    assert images.stroke_width(bar) == pytest.approx(5, rel=0.15)


def test_otsu_separates_two_groups():
    values = np.concatenate([np.full(500, 0.1), np.full(300, 0.8)])
    assert 0.1 < images.otsu(values) < 0.8


def test_flat_picture_gives_an_empty_input_with_a_notice():
    result, notices = images.prepare(encode(Image.new("L", (28, 28), 30)), (28, 28, 1))
    assert not result.any() and any("No digit was found" in notice for notice in notices)


# -- formats and modes, converted by their real range -------------------------------------------
def test_rgba_is_composited_on_white():
    result, notices = images.prepare(encode(Image.new("RGBA", (10, 10), (0, 0, 0, 0))), (10, 10, 1), invert=False,
                                     recipe=images.FIT)
    assert result.min() > 0.99 and any("Transparent" in n for n in notices)


def test_cmyk_jpeg_is_converted():
    cmyk = encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG")
    result, notices = images.prepare(cmyk, (16, 16, 3), invert=False)
    assert result.shape == (16, 16, 3) and result[8, 8, 0] > 0.8 and any("CMYK" in n for n in notices)


def test_16_bit_png_is_divided_by_65535_not_by_its_maximum():
    values = (np.arange(256, dtype=np.uint16).reshape(16, 16) * 64)  # at most 16,320: a dark 16-bit picture
    picture = Image.open(io.BytesIO(encode(Image.fromarray(values))))
    assert picture.mode.startswith("I;16")
    array, notices = images.to_array(picture, 1)
    np.testing.assert_allclose(array[..., 0], values / 65535, atol=1e-6)
    assert any("65,535" in n for n in notices)


@pytest.mark.parametrize(("values", "expected", "said"), [
    (np.linspace(0, 1, 64, dtype=np.float32), lambda v: v, "already in 0–1"),
    (np.linspace(0, 255, 64, dtype=np.float32), lambda v: v / 255, "divided by 255"),
    (np.linspace(-3, 5, 64, dtype=np.float32), lambda v: (v + 3) / 8, "rescaled"),
])
def test_float_tiff_keeps_its_real_values(values, expected, said):
    picture = Image.open(io.BytesIO(encode(Image.fromarray(values.reshape(8, 8), mode="F"), "TIFF")))
    array, notices = images.to_array(picture, 1)
    np.testing.assert_allclose(array[..., 0], expected(values.reshape(8, 8)), atol=1e-6)
    assert any(said in n for n in notices)


def test_nan_in_a_float_tiff_is_reported():
    values = np.ones((8, 8), dtype=np.float32) * 0.5
    values[0, 0] = np.nan
    array, notices = images.to_array(Image.open(io.BytesIO(encode(Image.fromarray(values, mode="F"), "TIFF"))), 1)
    assert array[0, 0, 0] == 0 and any("NaN" in n for n in notices)


def test_lab_tiff_for_grey_and_colour_models():
    lab = Image.new("LAB", (16, 16), (180, 128, 128))
    data = encode(lab, "TIFF")
    assert Image.open(io.BytesIO(data)).mode == "LAB"
    grey, notices = images.prepare(data, (16, 16, 1), invert=False, recipe=images.FIT)
    np.testing.assert_allclose(grey, 180 / 255, atol=1e-6)
    assert any("lightness" in n for n in notices)
    colour, notices = images.prepare(data, (16, 16, 3), invert=False)
    assert colour.shape == (16, 16, 3) and abs(colour[..., 0] - colour[..., 2]).max() < 0.05  # neutral grey stays grey
    assert any("CIELAB" in n for n in notices)


def test_animated_gif_uses_the_first_frame():
    frames = [Image.new("L", (12, 12), 255), Image.new("L", (12, 12), 0)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    result, notices = images.prepare(data, (12, 12, 1), invert=False, recipe=images.FIT)
    assert result.mean() > 0.9 and any("frames" in n for n in notices)


@pytest.mark.parametrize("fmt", ["PCX", "TGA", "ICO", "EPS"])
def test_formats_outside_the_list_are_never_decoded(fmt):
    data = encode(Image.new("RGB", (32, 32), (10, 200, 30)), fmt) if fmt != "EPS" else b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"
    with pytest.raises(ImageError, match="format dlviz reads"):
        images.prepare(data, (28, 28, 1))


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"this is not an image at all", "not an image"),
    (encode(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)))[:2000], "damaged or truncated"),
    (encode(Image.new("L", (1, 1))), "at least"),
])
def test_bad_images(data, message):
    with pytest.raises(ImageError, match=message):
        images.to_model_input(data, (28, 28, 1))


# -- budgets, checked before anything is allocated ----------------------------------------------
def test_fifty_megapixel_image_and_decompression_bomb_are_refused():
    big = encode(Image.new("1", (8000, 6250)))  # 50 megapixels, tiny as a 1-bit PNG
    with pytest.raises(ImageError, match="megapixels"):
        images.to_model_input(big, (28, 28, 1))
    bomb = encode(Image.new("1", (20_000, 20_000)))
    with pytest.raises(ImageError, match="megapixels|decompression"):
        images.to_model_input(bomb, (28, 28, 1))


def test_decoding_budget_says_which_limit():
    wide = encode(Image.new("RGBA", (4800, 4800)))  # 23 megapixels, under the pixel limit, 88 MB to decode
    with pytest.raises(ImageError, match="MB to decode; the limit is 64 MB"):
        images.prepare(wide, (28, 28, 1))


def test_a_dark_16_bit_picture_stays_dark_after_shrinking():
    data = encode(Image.new("I;16", (1200, 900), 200))  # 200 of 65,535: nearly black
    result, notices = images.prepare(data, (28, 28, 1), invert=False, recipe=images.FIT)
    assert result.max() == pytest.approx(200 / 65535, abs=1e-4) and any("65,535" in n for n in notices)


def test_5000_square_16_bit_png_is_prepared_in_little_memory():
    data = encode(Image.new("I;16", (5000, 5000), 40_000))
    tracemalloc.start()
    result, notices = images.prepare(data, (28, 28, 1), invert=False, recipe=images.FIT)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.shape == (28, 28, 1) and result.max() == pytest.approx(40_000 / 65535, abs=0.01)
    assert peak < 150 * 2**20, f"{peak / 2**20:.0f} MB"  # was 1.3 GB before the budget


def test_oversized_file():
    with pytest.raises(ImageError, match="MB"):
        images.to_model_input(b"0" * (images.MAX_IMAGE_BYTES + 1), (28, 28, 1))


def test_huge_model_input_is_refused_before_any_picture_is_read():
    with pytest.raises(ImageError, match="8000×8000 .*megapixels"):
        images.check_input_shape((8000, 8000, 1))
    with pytest.raises(ImageError, match="megapixels"):
        images.prepare(encode(seven()), (8000, 8000, 1))
    with pytest.raises(ImageError, match="megapixels"):
        images.from_drawing(rgba(seven()), (8000, 8000, 1))
    assert images.check_input_shape((224, 224, 3)) == (224, 224, 3)


# -- the canvas -----------------------------------------------------------------------------------
def test_drawing_is_centred_and_fitted():
    canvas = np.zeros((224, 224, 4), dtype=np.uint8)
    canvas[20:60, 20:40] = 255  # a stroke in the top-left corner
    result, _ = images.from_drawing(canvas, (28, 28, 1))
    rows, cols = np.nonzero(result[..., 0] > 0.5)
    assert abs(rows.mean() - 13.5) < 1 and abs(cols.mean() - 13.5) < 1
    with pytest.raises(ImageError, match="empty"):
        images.from_drawing(np.zeros((224, 224, 4), dtype=np.uint8), (28, 28, 1))


@pytest.mark.parametrize("canvas", [None, np.zeros((224, 224)), np.zeros((224, 224, 3)), np.zeros((2, 2, 4))])
def test_unreadable_drawings(canvas):
    with pytest.raises(ImageError, match="could not be read"):
        images.from_drawing(canvas, (28, 28, 1))


def test_drawing_with_nan_values_is_cleaned():
    canvas = rgba(seven()).astype(np.float64)
    canvas[0, 0, 0] = np.nan
    result, _ = images.from_drawing(canvas, (28, 28, 1))
    assert np.isfinite(result).all() and result.max() == pytest.approx(1.0)
