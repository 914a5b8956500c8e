"""Uploaded pictures become exactly the model's input, and every bad file gets a clear error."""

import io

import numpy as np
import pytest
from PIL import Image

from dlviz.data import images
from dlviz.data.images import ImageError


def encode(picture: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def test_grayscale_png_keeps_aspect_and_scales_to_unit_range():
    picture = Image.new("L", (40, 20), 0)
    picture.paste(255, (10, 5, 30, 15))
    result = images.to_model_input(encode(picture), (28, 28, 1), invert=False)
    assert result.shape == (28, 28, 1) and result.dtype == np.float32
    assert result.min() >= 0.0 and result.max() <= 1.0
    rows = np.flatnonzero(result[..., 0].max(axis=1) > 0.5)
    assert rows.min() >= 7 and rows.max() <= 20  # padded top and bottom: the 2:1 picture stays 2:1


def test_dark_on_light_pictures_are_inverted_like_training_digits():
    picture = Image.new("L", (28, 28), 255)
    picture.paste(0, (12, 4, 16, 24))
    result, notices = images.prepare(encode(picture), (28, 28, 1))
    assert result[14, 14, 0] > 0.9 and result[0, 0, 0] < 0.1
    assert any("inverted" in notice for notice in notices)


def test_colour_model_gets_three_channels():
    result = images.to_model_input(encode(Image.new("RGB", (32, 32), (200, 10, 10))), (32, 32, 3), invert=False)
    assert result.shape == (32, 32, 3)
    np.testing.assert_allclose(result[16, 16], [200 / 255, 10 / 255, 10 / 255], atol=0.01)


def test_rgba_is_composited_on_white():
    result, notices = images.prepare(encode(Image.new("RGBA", (10, 10), (0, 0, 0, 0))), (10, 10, 1), invert=False)
    assert result.min() > 0.99 and any("Transparent" in n for n in notices)


def test_cmyk_jpeg_and_16_bit_png_are_converted():
    cmyk = encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG")
    result, notices = images.prepare(cmyk, (16, 16, 3), invert=False)
    assert result.shape == (16, 16, 3) and result[8, 8, 0] > 0.8 and any("CMYK" in n for n in notices)
    wide = Image.fromarray(np.arange(256, dtype=np.uint16).reshape(16, 16) * 256)
    assert wide.mode.startswith("I;16")
    result, notices = images.prepare(encode(wide), (16, 16, 1), invert=False)
    assert result.max() == pytest.approx(1.0, abs=0.01) and any("16-bit" in n for n in notices)


def test_animated_gif_uses_the_first_frame():
    frames = [Image.new("L", (12, 12), 255), Image.new("L", (12, 12), 0)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    result, notices = images.prepare(data, (12, 12, 1), invert=False)
    assert result.mean() > 0.9 and any("frames" in n for n in notices)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"this is not an image at all", "not an image"),
    (encode(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)))[:2000], "damaged or truncated"),
    (encode(Image.new("L", (1, 1))), "at least"),
])
def test_bad_images(data, message):
    with pytest.raises(ImageError, match=message):
        images.to_model_input(data, (28, 28, 1))


def test_fifty_megapixel_image_and_decompression_bomb_are_refused():
    big = encode(Image.new("1", (8000, 6250)))  # 50 megapixels, tiny as a 1-bit PNG
    with pytest.raises(ImageError, match="megapixels|decompression"):
        images.to_model_input(big, (28, 28, 1))
    bomb = encode(Image.new("1", (20_000, 20_000)))
    with pytest.raises(ImageError, match="megapixels|decompression"):
        images.to_model_input(bomb, (28, 28, 1))


def test_oversized_file():
    with pytest.raises(ImageError, match="MB"):
        images.to_model_input(b"0" * (images.MAX_IMAGE_BYTES + 1), (28, 28, 1))


def test_drawing_is_centred_and_fitted():
    canvas = np.zeros((224, 224, 4), dtype=np.uint8)
    canvas[20:60, 20:40] = 255  # a stroke in the top-left corner
    result, _ = images.from_drawing(canvas, (28, 28, 1))
    rows, cols = np.nonzero(result[..., 0] > 0.5)
    assert abs(rows.mean() - 13.5) < 2 and abs(cols.mean() - 13.5) < 2
    with pytest.raises(ImageError, match="empty"):
        images.from_drawing(np.zeros((224, 224, 4), dtype=np.uint8), (28, 28, 1))
