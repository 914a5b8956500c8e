"""Model files judged before Keras builds anything: declared size, code, and broken zips."""

import io
import json
import struct
import time
import zipfile

import keras
import numpy as np
import pytest

from dlviz.data import archives, modelconfig, modelio

REAL_MODELS = {
    "dense": lambda: keras.Sequential([keras.Input((20,)), keras.layers.Dense(7), keras.layers.BatchNormalization(),
                                       keras.layers.Dense(3)]),
    "conv": lambda: keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(5, 3), keras.layers.SeparableConv2D(4, 3),
                                      keras.layers.DepthwiseConv2D(3, depth_multiplier=2), keras.layers.Flatten(),
                                      keras.layers.Dense(2)]),
    "recurrent": lambda: keras.Sequential([keras.Input((9, 4)), keras.layers.LSTM(6, return_sequences=True),
                                           keras.layers.GRU(5, return_sequences=True), keras.layers.SimpleRNN(3)]),
    "embedding": lambda: keras.Sequential([keras.Input((5,), dtype="int32"), keras.layers.Embedding(50, 8),
                                           keras.layers.Flatten(), keras.layers.Dense(1)]),
}


def saved(model) -> bytes:
    return modelio.save_model(model, include_optimizer=False)


def config_of(data: bytes) -> dict:
    return json.loads(zipfile.ZipFile(io.BytesIO(data)).read("config.json"))


def with_config(data: bytes, change) -> bytes:
    """The same .keras file with its config.json changed by `change(config)`."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "config.json":
                config = json.loads(content)
                change(config)
                content = json.dumps(config).encode()
            target.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("kind", list(REAL_MODELS))
def test_declared_parameters_equal_what_keras_counts(kind):
    model = REAL_MODELS[kind]()
    sizes = modelconfig.layer_sizes(config_of(saved(model)))
    assert sum(size.parameters for size in sizes) == model.count_params()
    assert modelconfig.oversized(config_of(saved(model))) == ""


def huge_dense_file(strip_build_config: bool = False) -> bytes:
    data = saved(keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, name="wide")]))

    def enlarge(config):
        config["config"]["layers"][0]["config"]["batch_shape"] = [None, 150_000]
        dense = config["config"]["layers"][1]
        dense["config"]["units"] = 30_000
        if strip_build_config:
            dense.pop("build_config")
            config.pop("build_config")
        else:
            dense["build_config"] = {"input_shape": [None, 150_000]}

    return with_config(data, enlarge)


@pytest.mark.parametrize("stripped", [False, True])
def test_a_tiny_file_declaring_a_huge_layer_is_refused_before_keras_allocates_it(stripped):
    data = huge_dense_file(stripped)
    assert len(data) < 10_000
    started = time.perf_counter()
    with pytest.raises(modelio.ModelFileError, match=r"too large.*'wide'.*limit is 30,000,000"):
        modelio.load_model(data)
    assert time.perf_counter() - started < 5  # 18 GB would take far longer (or kill the process)


def activation(value):
    def change(config):
        config["config"]["layers"][1]["config"]["activation"] = value
    return change


CODE = [
    ("builtins", activation({"module": "builtins", "class_name": "function", "config": "eval", "registered_name": "function"})),
    ("lambda", activation({"module": "keras.layers", "class_name": "__lambda__", "config": {"code": "x"}, "registered_name": None})),
    ("os class", lambda config: config["config"]["layers"][1].update({"module": "os", "class_name": "system"})),
    ("custom class", lambda config: config["config"]["layers"][1].update({"module": None, "class_name": "Mine",
                                                                          "registered_name": "Custom>Mine"})),
]


@pytest.mark.parametrize(("name", "change"), CODE, ids=[name for name, _ in CODE])
def test_models_that_carry_code_are_refused_for_safety(name, change):
    data = with_config(saved(keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, name="d")])), change)
    with pytest.raises(modelio.ModelFileError, match="Refused for safety: this model contains"):
        modelio.load_model(data)


def stored_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("config.json", b'{"class_name": "Sequential"}')
    return out.getvalue()


def patched(data: bytes, **fields) -> bytes:
    """Change the general-purpose flags or the compression method in both the local and the central header."""
    data = bytearray(data)
    local, central = 0, data.index(b"PK\x01\x02")
    for key, value in fields.items():
        local_offset, central_offset = {"flags": (6, 8), "method": (8, 10)}[key]
        struct.pack_into("<H", data, local + local_offset, value)
        struct.pack_into("<H", data, central + central_offset, value)
    return bytes(data)


def bad_crc() -> bytes:
    data = bytearray(stored_zip())
    data[data.index(b'"Sequential"') + 1] ^= 0x20  # one letter's case: same size, wrong checksum
    return bytes(data)


def corrupt_deflate() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", json.dumps({"x": list(range(500))}).encode())
    data = bytearray(out.getvalue())
    start = 30 + len("config.json")
    data[start + 5:start + 25] = bytes(20)
    return bytes(data)


@pytest.mark.parametrize(("data", "message"), [
    (patched(stored_zip(), flags=0x1), "password-protected"),
    (patched(stored_zip(), method=93), "Zstandard"),
    (bad_crc(), "checksum does not match"),
    (corrupt_deflate(), "damaged"),
])
def test_broken_zips_are_explained(data, message):
    with pytest.raises(modelio.ModelFileError, match=message):
        modelio.load_model(data, "broken.keras")


def test_archive_members_are_read_no_further_than_declared():
    archive = archives.open_zip(stored_zip())
    assert archives.read_member(archive, "config.json") == b'{"class_name": "Sequential"}'
    with pytest.raises(archives.ArchiveError, match="more than 0 MB"):
        archives.check_members(archive, archive.infolist(), 10)


def test_a_good_model_still_loads_with_identical_predictions():
    model = REAL_MODELS["conv"]()
    x = np.random.default_rng(0).normal(size=(2, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(modelio.load_model(saved(model)).predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
