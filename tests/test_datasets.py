"""Shipped, generated and uploaded datasets: shapes, ranges, determinism, and every bad file."""

import io
import tracemalloc
import zipfile

import numpy as np
import pytest
from PIL import Image

from dlviz.data import datasets
from dlviz.data.datasets import DatasetError
from tests.zip_support import patch_members


@pytest.mark.parametrize(("name", "shape", "classes"), [
    ("digits", (8, 8, 1), 10), ("digits28", (28, 28, 1), 10), ("shapes", (28, 28, 1), 5), ("shapes_rgb", (32, 32, 3), 5),
])
def test_shipped_datasets_are_nhwc_float_in_unit_range(name, shape, classes):
    data = datasets.load(name)
    assert data.input_shape == shape
    assert data.num_classes == classes
    for x, y in ((data.x_train, data.y_train), (data.x_test, data.y_test)):
        assert x.dtype == np.float32 and x.min() >= 0.0 and x.max() <= 1.0
        assert len(x) == len(y) and set(np.unique(y)) == set(range(classes))
    assert len(data.x_test) > 0.15 * (len(data.x_train) + len(data.x_test))


def test_digits_match_scikit_learn():
    from sklearn.datasets import load_digits

    data = datasets.load("digits")
    reference = load_digits()
    assert len(data.x_train) + len(data.x_test) == len(reference.images)
    assert np.isclose(data.x_train.sum() + data.x_test.sum(), reference.images.sum() / 16.0, rtol=1e-5)


def test_shapes_are_deterministic_by_seed():
    a, b, c = datasets.shapes(seed=3, per_class=10), datasets.shapes(seed=3, per_class=10), datasets.shapes(seed=4, per_class=10)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.x_train, c.x_train)


def test_rgb_shapes_have_colour():
    data = datasets.shapes(seed=0, rgb=True, per_class=10)
    spread = np.abs(data.x_train[..., 0] - data.x_train[..., 1]).max()
    assert spread > 0.3


@pytest.mark.parametrize("rgb", [False, True])
def test_shape_masks_mark_where_each_shape_is_drawn(rgb):
    data = datasets.shapes(seed=2, rgb=rgb, per_class=12)
    train_masks, test_masks = datasets.shape_masks(seed=2, rgb=rgb, per_class=12)
    assert train_masks.dtype == bool and train_masks.shape == data.x_train.shape[:3] and test_masks.shape == data.x_test.shape[:3]
    background = data.x_train[:, :2, :2].reshape(len(data.x_train), -1, data.x_train.shape[-1]).mean(axis=1)  # corners
    for images, masks in ((data.x_train, train_masks), (data.x_test, test_masks)):
        for image, mask in zip(images, masks):
            brightness = np.abs(image - np.median(image, axis=(0, 1))).max(axis=-1)  # how far from the background colour
            assert 0.02 < mask.mean() < 0.6
            assert brightness[mask].mean() > 0.3 and brightness[~mask].mean() < 0.15
    assert background.max() < 0.3
    # Asking for masks draws exactly the same images.
    with_masks = datasets._generate_shapes(2, rgb, 12, None, masks=True)[0]
    np.testing.assert_array_equal(with_masks, datasets._generate_shapes(2, rgb, 12, None, masks=False)[0])


def test_keras_datasets_without_cache_explain_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "keras_cache_dir", lambda: tmp_path)
    assert "mnist" not in datasets.available()
    with pytest.raises(DatasetError, match="load_data"):
        datasets.load("mnist")


def test_unknown_dataset():
    with pytest.raises(DatasetError, match="no dataset"):
        datasets.load("imagenet")


def png(size=(10, 10), colour=128, mode="L") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_of_class_folders():
    files = {f"data/cats/{i}.png": png(colour=20 + i) for i in range(6)}
    files.update({f"data/dogs/{i}.png": png((12, 10), colour=200) for i in range(6)})
    files["data/dogs/broken.png"] = b"not an image"
    data = datasets.from_zip(make_zip(files))
    assert data.class_names == ["cats", "dogs"]
    assert data.input_shape == (12, 12, 1)
    assert len(data.x_train) + len(data.x_test) == 12
    assert any("broken.png" in notice for notice in data.notices)
    assert any("resized" in notice for notice in data.notices)


def test_zip_path_traversal_is_never_extracted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = {f"../../evil/{i}.png": png() for i in range(5)}
    files.update({f"good/{i}.png": png(colour=9) for i in range(5)})
    files.update({f"fine/{i}.png": png(colour=99) for i in range(5)})
    data = datasets.from_zip(make_zip(files))
    assert data.class_names == ["fine", "good"]  # entries climbing out with ../ are ignored
    assert not any(tmp_path.parent.parent.glob("evil"))


@pytest.mark.parametrize(("files", "message"), [
    ({"a/1.png": png()}, "one folder per class"),
    ({**{f"a/{i}.png": png() for i in range(5)}, "b/1.png": png()}, "at least 5 images"),
    ({f"c{k}/{i}.png": png() for k in range(21) for i in range(5)}, "limit is 20"),
])
def test_bad_zips(files, message):
    with pytest.raises(DatasetError, match=message):
        datasets.from_zip(make_zip(files))


def test_not_a_zip_and_empty_file():
    with pytest.raises(DatasetError, match="not a readable zip"):
        datasets.from_zip(b"hello")
    with pytest.raises(DatasetError, match="empty"):
        datasets.from_zip(b"")


def npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_npz_upload_rescales_and_labels():
    x = np.random.default_rng(0).integers(0, 256, size=(20, 6, 6), dtype=np.uint8)
    y = np.array([3, 7] * 10)
    data = datasets.from_npz(npz(x=x, y=y))
    assert data.class_names == ["3", "7"] and data.input_shape == (6, 6, 1)
    assert data.x_train.max() <= 1.0 and any("rescaled" in notice for notice in data.notices)


def test_npz_with_objects_is_refused_without_unpickling():
    x = np.empty(10, dtype=object)
    with pytest.raises(DatasetError):
        datasets.from_npz(npz(x=x, y=np.zeros(10, dtype=int)))


@pytest.mark.parametrize(("arrays", "message"), [
    ({"images": np.zeros((10, 4, 4))}, "named 'x' and 'y'"),
    ({"x": np.zeros((10, 4, 4)), "y": np.zeros(9, dtype=int)}, "one label per image"),
    ({"x": np.zeros((10, 4)), "y": np.zeros(10, dtype=int)}, "must be shaped"),
    ({"x": np.zeros((10, 4, 4)), "y": np.zeros(10, dtype=float)}, "whole-number"),
])
def test_bad_npz(arrays, message):
    with pytest.raises(DatasetError, match=message):
        datasets.from_npz(npz(**arrays))


# -- damaged, encrypted and oversized uploads: our own message, decided before anything is unpacked --
def class_zip(compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for k, cls in enumerate(("a", "b")):
            for i in range(6):
                archive.writestr(f"{cls}/{i}.png", png(colour=40 + 100 * k + i))
    return buffer.getvalue()


def test_encrypted_zip_is_explained():
    encrypted = patch_members(class_zip(), 6, 8, b"\x01\x00")  # the "encrypted" flag bit on every member
    with pytest.raises(DatasetError, match="password-protected"):
        datasets.from_zip(encrypted)


def test_unknown_compression_method_is_explained():
    odd = patch_members(class_zip(), 8, 10, b"\x62\x00")  # method 98 (PPMd)
    with pytest.raises(DatasetError, match="unsupported method"):
        datasets.from_zip(odd)


def test_bad_checksum_and_corrupt_data_are_explained():
    bad_crc = patch_members(class_zip(), 14, 16, b"\xde\xad\xbe\xef")
    with pytest.raises(DatasetError, match="checksum"):
        datasets.from_zip(bad_crc)
    deflated = bytearray(class_zip(zipfile.ZIP_DEFLATED))
    start = deflated.find(b"PK\x03\x04")
    body = start + 30 + int.from_bytes(deflated[start + 26: start + 28], "little")
    deflated[body: body + 8] = b"\xff" * 8  # the first member's compressed data
    data = datasets.from_zip(bytes(deflated))  # one damaged picture is skipped, the rest are used
    assert any("damaged" in notice and "a/0.png" in notice for notice in data.notices)


def test_zip_of_huge_blank_pictures_is_refused_from_their_headers():
    blank = png((6000, 6000), 0, mode="1")  # 36 megapixels each, a few KB as a file
    files = {f"{cls}/{i}.png": blank for cls in ("a", "b") for i in range(60)}
    tracemalloc.start()
    with pytest.raises(DatasetError, match="too large"):
        datasets.from_zip(make_zip(files))
    assert tracemalloc.get_traced_memory()[1] < 64 * 2**20
    tracemalloc.stop()
    many = {f"{cls}/{i}.png": png((4500, 4500), 0, mode="1") for cls in ("a", "b") for i in range(6)}  # 243 MP together
    with pytest.raises(DatasetError, match="megapixels together"):
        datasets.from_zip(make_zip(many))


def test_16_bit_and_float_pictures_keep_their_values():
    def sixteen(value: int) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(np.full((8, 8), value, dtype=np.uint16)).save(buffer, format="PNG")
        return buffer.getvalue()

    def floating(value: float) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(np.full((8, 8), value, dtype=np.float32), mode="F").save(buffer, format="TIFF")
        return buffer.getvalue()

    files = {f"wide/{i}.png": sixteen(1000 * (i + 1)) for i in range(6)}
    files.update({f"float/{i}.tif": floating(0.1 * (i + 1)) for i in range(6)})
    data = datasets.from_zip(make_zip(files))
    x = np.concatenate([data.x_train, data.x_test])[..., 0]
    y = np.concatenate([data.y_train, data.y_test])
    wide = sorted(float(image.mean()) for image in x[y == data.class_names.index("wide")])
    floats = sorted(float(image.mean()) for image in x[y == data.class_names.index("float")])
    np.testing.assert_allclose(wide, [1000 * (i + 1) / 65535 for i in range(6)], atol=1e-5)  # not 6 white squares
    np.testing.assert_allclose(floats, [0.1 * (i + 1) for i in range(6)], atol=1e-5)
    assert any("65,535" in notice for notice in data.notices) and any("0–1" in notice for notice in data.notices)


def test_lab_pictures_in_a_dataset_are_converted():
    def lab(lightness: int) -> bytes:
        buffer = io.BytesIO()
        Image.new("LAB", (8, 8), (lightness, 128, 128)).save(buffer, format="TIFF")
        return buffer.getvalue()

    files = {f"{cls}/{i}.tif": lab(40 + 150 * k) for k, cls in enumerate(("dark", "light")) for i in range(5)}
    data = datasets.from_zip(make_zip(files))
    assert data.input_shape == (8, 8, 3) and not any("skipped" in notice for notice in data.notices)


def npy_header_only(shape: tuple[int, ...], dtype=np.float32) -> bytes:
    """An .npz whose x.npy declares `shape` but holds no data: only the header may be read."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                                                  "fortran_order": False, "shape": shape})
    y = io.BytesIO()
    np.save(y, np.zeros(shape[0] if shape else 1, dtype=np.int64))
    return make_zip({"x.npy": header.getvalue(), "y.npy": y.getvalue()})


def test_npz_declaring_gigabytes_is_refused_from_its_header():
    tracemalloc.start()
    with pytest.raises(DatasetError, match="MB in memory; the limit is 256 MB"):
        datasets.from_npz(npy_header_only((20_000, 256, 256)))
    assert tracemalloc.get_traced_memory()[1] < 32 * 2**20
    tracemalloc.stop()


@pytest.mark.parametrize("shape", [(0, 8, 8), (10, 0, 8), (10, 8, 8, 0)])
def test_npz_with_an_empty_dimension(shape):
    with pytest.raises(DatasetError, match="empty dimension|must be shaped"):
        datasets.from_npz(npz(x=np.zeros(shape), y=np.zeros(shape[0], dtype=int)))


def test_damaged_npz_is_explained():
    good = npz(x=np.zeros((10, 4, 4)), y=np.arange(10) % 2)
    with pytest.raises(DatasetError, match="checksum|damaged"):
        datasets.from_npz(patch_members(good, 14, 16, b"\xde\xad\xbe\xef"))
    with pytest.raises(DatasetError, match="encrypted"):
        datasets.from_npz(patch_members(good, 6, 8, b"\x01\x00"))
