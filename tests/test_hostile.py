"""More than forty bad inputs across every page: each gets a clear message, no exception, nothing lost."""

import io
import re
import zipfile

import numpy as np
import pytest
from PIL import Image

from dlviz.data import modelio
from tests.app_support import messages, open_page, unescaped
from tests.zip_support import patch_members

# -- the playground: programs, feeds, the add-a-node form -------------------------------------
PROGRAMS = [
    ("import os", "Only TensorFlow and NumPy can be imported"),
    ('x = __import__("os")', "not available"),
    ("a = constant(1)\nb = a.assign(2)", "not read here"),
    ("f = (lambda: 1)()", "A lambda cannot be called"),
    ("x = [i for i in range(3)]", "comprehension"),
    ('x = open("/tmp/dlviz_pwned", "w")', "not available"),
    ("x = y + 1", "used before it is defined"),
    ("x = constant(1)\nx = constant(2)", "already defined"),
    ("x = zeros([1000, 1000])", "at most"),
    ("x = relu(", "not valid syntax"),
    ("", "empty"),
    ("a = constant(1)\n" * 400, "limit"),
    ("a = constant(ones([3, 2]))\nb = constant(ones([3, 2]))\nc = a @ b", "inner sizes"),
    ("a = constant([1, 2, 3])\nb = constant([1, 2])\nc = a + b", "broadcast"),
    ("a = placeholder([None, 1])\nb = placeholder([1, None])\nc = a @ b", None),
    # TensorFlow code reaching outside the graph, and the limits of issue 9
    ('import tensorflow as tf\nw = tf.io.write_file("/tmp/dlviz_pwned", "x")', "never runs it"),
    ("import tensorflow as tf\nx = tf.py_function(print, [], [])", "never runs it"),
    ('import numpy as np\nx = np.load("/etc/passwd")', "never runs it"),
    ('import tensorflow as tf\nm = tf.keras.models.load_model("m.keras")', "never runs it"),
    ("import tensorflow as tf\nx = tf.constant(1.0)\ny = x.__class__", "never available"),
    ("a = constant(1.0)\nb = reshape(a, [" + ", ".join(["1"] * 300) + "])", "at most 6 sizes"),
    ("x = " + "-" * 3000 + "a", "nests"),
    ("a = constant(1.0)\nb = " + " + ".join(["a"] * 1200), "nests"),
    ("é = constant(1.0)", "not a name TensorFlow accepts"),
    ('a = constant(3000000000, dtype="int32")', "does not fit in int32"),
    ("a = variable(random_normal([2], seed=True))", "seed"),
    ('a = constant([1, 2], dtype="int32")\nb = constant([1.0, 2.0])\nc = a + b', "'a' is int32, 'b' is float32"),
    ("x = constant([0.5, 1.0])\ny = tanh(x)\nd1 = grad(y, x)\n" + "".join(f"d{i + 1} = grad(d{i}, x)\n" for i in range(1, 12)),
     "the limit is 3,000"),
]


@pytest.mark.parametrize(("program", "expected"), PROGRAMS)
def test_bad_programs(program, expected):
    app = open_page("views/playground.py")
    app.text_area(key="program_text").input(program).run()
    assert not app.exception
    assert app.text_area(key="program_text").value == program
    if expected:
        assert expected in messages(app), messages(app)
    else:  # fed with huge values it would be refused; with the default feed it runs
        assert not app.error


@pytest.mark.parametrize(("feed", "expected"), [
    ("[[1, 2, 3", "not a number or a list"),
    ("[[1, 2, 3], [4]]", "rectangular"),
    ("[[1, 2, 3, 4]]", "expects shape (None, 3)"),
    ("[[NaN, 1, 2]]", "NaN"),
    ("[" + "1, " * 70_000 + "1]", "too long"),
    ("1" + "0" * 400, "too large"),
    ("[" * 3000 + "]" * 3000, "nests 3,000 brackets deep"),
    ("[[1e400, 1, 2]]", "NaN or infinity"),
    ('{"a": 1}', "must be a number or a rectangular list"),
])
def test_bad_feeds(feed, expected):
    app = open_page("views/playground.py")
    app.text_area(key="feed_x").input(feed).run()
    assert not app.exception and expected in messages(app)
    assert app.text_area(key="feed_x").value == feed


@pytest.mark.parametrize(("name", "shape", "kind", "expected"), [
    ("1x", "3", "placeholder", "starts with a letter"),
    ("ok", "a, b", "variable", "positive whole numbers"),
])
def test_bad_add_node_form(name, shape, kind, expected):
    app = open_page("views/playground.py")
    before = app.text_area(key="program_text").value
    app.selectbox(key="new_kind").select(kind).run()
    app.text_input(key="new_name").input(name).run()
    app.text_input(key="new_shape").input(shape).run()
    next(button for button in app.button if button.label == "Add this node").click().run()
    assert not app.exception and expected in messages(app)
    assert app.text_area(key="program_text").value == before


def test_placeholders_named_like_the_page_s_own_widgets():
    app = open_page("views/playground.py")
    text = "seed = placeholder([2])\nrandom_feed_seed = placeholder([2])\nanalysis = seed + random_feed_seed"
    app.text_area(key="program_text").input(text).run()
    assert not app.exception and not app.error
    next(button for button in app.button if button.label == "Random feeds").click().run()
    assert not app.exception and app.text_area(key="feed_seed").value != app.text_area(key="feed_random_feed_seed").value


def test_nan_in_every_mode_is_reported_as_agreement_with_its_cause():
    app = open_page("views/playground.py")
    app.text_area(key="program_text").input("a = constant([-1.0, 0.0, 1.0])\nb = log(a)").run()
    assert not app.exception and not app.error
    text = " ".join(unescaped(markdown.value) for markdown in app.markdown)
    assert "All three modes computed the same values, including NaN or infinity in b" in text
    assert "differ" not in text


MARKDOWN = "[Session expired - sign in](https://evil.example)"


@pytest.mark.parametrize(("query", "echoed"), [
    ({"node": MARKDOWN}, True),
    ({"program": f'x = constant(1.0, dtype="{MARKDOWN[:40]}")'}, True),
    ({"program": f'x = placeholder([2], name="{MARKDOWN[:40]}")'}, False),
])
def test_markdown_from_links_and_programs_is_shown_as_text(query, echoed):
    app = open_page("views/playground.py", **query)
    raw = " ".join(element.value for element in [*app.error, *app.warning])
    assert raw and not re.search(r"(?<!\\)[\[\]()]", raw.replace("**", ""))  # every bracket escaped: text, never a link
    assert ("Session expired" in messages(app)) == echoed


def test_a_link_with_a_rank_300_reshape_is_refused_not_fatal():
    program = "a = constant(1.0)\nb = reshape(a, [" + ", ".join(["1"] * 300) + "])"
    app = open_page("views/playground.py", program=program)
    assert not app.exception and "at most 6 sizes" in messages(app)
    assert app.text_area(key="program_text").value == program


# -- build & train: stacks, training settings, data and model uploads --------------------------
def test_invalid_stacks_from_the_editor():
    app = open_page("views/train.py")
    for _ in range(3):
        app.selectbox(key="new_layer").select("MaxPool2D").run()
        app.button(key="add_layer").click().run()
    assert "cannot work" in messages(app)
    app.selectbox(key="new_layer").select("Conv2D").run()
    app.button(key="add_layer").click().run()
    assert "cannot work" in messages(app) and not app.exception
    while app.session_state["stack"]:
        app.button(key=f"{app.session_state['stack'][0][0]}_remove").click().run()
    assert "empty" in messages(app) and not app.exception


def test_absurd_learning_rate_is_explained_after_training():
    app = open_page("views/train.py")
    app.selectbox(key="optimizer").select("sgd").run()
    app.number_input(key="learning_rate").set_value(100.0).run()
    app.number_input(key="epochs").set_value(2).run()
    app.button(key="train").click().run()
    assert app.session_state["job"].wait(180)
    app.run()
    assert not app.exception and "learning rate is probably too high" in messages(app)


def image_bytes(size=(8, 8), colour=100, fmt="PNG", mode="L") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


GOOD_ZIP = zipped({f"{cls}/{i}.png": image_bytes(colour=50 + 100 * k) for k, cls in enumerate(("a", "b")) for i in range(6)})
DATA_FILES = [
    ("garbage.zip", b"not a zip at all", "not a readable zip"),
    ("one.zip", zipped({f"only/{i}.png": image_bytes() for i in range(6)}), "one folder per class"),
    ("few.zip", zipped({**{f"a/{i}.png": image_bytes() for i in range(6)}, "b/0.png": image_bytes()}), "at least 5 images"),
    ("bomb.zip", zipped({"a/0.png": b"\0" * (201 * 1024 * 1024), "b/0.png": image_bytes()}), "more than 200 MB"),
    ("objects.npz", npz_bytes(x=np.empty(6, dtype=object), y=np.zeros(6, dtype=int)), "Python objects"),
    ("keys.npz", npz_bytes(images=np.zeros((6, 4, 4))), "named 'x' and 'y'"),
    ("empty.zip", b"", "empty"),
    ("locked.zip", None, "password-protected"),
    ("crc.zip", None, "checksum"),
    ("method.zip", None, "unsupported method"),
    ("giants.zip", zipped(dict.fromkeys([f"{c}/{i}.png" for c in "ab" for i in range(5)], image_bytes((6000, 6000), 0))),
     "too large"),
    ("nothing.npz", npz_bytes(x=np.zeros((0, 8, 8)), y=np.zeros(0, dtype=int)), "empty dimension"),
    ("huge.npz", None, "the limit is 256 MB"),
]


def patched_zip(local: int, central: int, value: bytes) -> bytes:
    """GOOD_ZIP with one field of every zip header overwritten: flags, compression method or checksum."""
    return patch_members(GOOD_ZIP, local, central, value)


def huge_npz() -> bytes:
    """An .npz whose x.npy header declares 20,000 images of 256×256 (5 GB as float32) and holds nothing else."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (20_000, 256, 256)})
    labels = io.BytesIO()
    np.save(labels, np.zeros(20_000, dtype=np.int64))
    return zipped({"x.npy": header.getvalue(), "y.npy": labels.getvalue()})


BUILT_DATA = {"locked.zip": lambda: patched_zip(6, 8, b"\x01\x00"), "crc.zip": lambda: patched_zip(14, 16, b"\xde\xad\xbe\xef"),
              "method.zip": lambda: patched_zip(8, 10, b"\x62\x00"), "huge.npz": huge_npz}


@pytest.mark.parametrize(("name", "data", "expected"), DATA_FILES)
def test_bad_data_uploads_keep_the_good_dataset(name, data, expected):
    data = data if data is not None else BUILT_DATA[name]()
    app = open_page("views/train.py")
    app.selectbox(key="dataset").select("Your own images (zip or .npz)").run()
    app.file_uploader(key="user_dataset_upload").set_value(("good.zip", GOOD_ZIP, "application/zip")).run()
    assert app.session_state["user_dataset"].class_names == ["a", "b"]
    app.file_uploader(key="user_dataset_upload").set_value((name, data, "application/octet-stream")).run()
    assert not app.exception and expected in messages(app), messages(app)
    assert app.session_state["user_dataset"].class_names == ["a", "b"]


def lambda_model_bytes() -> bytes:
    import keras

    inputs = keras.Input((8, 8, 1))
    return modelio.save_model(keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs)))


def model_bytes(model) -> bytes:
    return modelio.save_model(model)


MODEL_FILES = [
    ("noise.keras", np.random.default_rng(0).bytes(4000), "not a .keras model"),
    ("evil.keras", None, "Lambda"),
    ("old.h5", b"\x89HDF\r\n\x1a\n" + b"0" * 200, "legacy HDF5"),
]


@pytest.mark.parametrize(("name", "data", "expected"), MODEL_FILES)
@pytest.mark.parametrize(("page", "key"), [("views/train.py", "model_upload"), ("views/inspect.py", "inspect_model_upload"),
                                           ("views/graphs.py", "graph_upload")])
def test_bad_model_files_on_every_page(page, key, name, data, expected):
    app = open_page(page)
    if page == "views/inspect.py":
        app.radio(key="inspect_model").set_value("upload").run()
    if page == "views/graphs.py":
        app.radio(key="graph_source").set_value("Upload a .keras model").run()
    app.file_uploader(key=key).set_value((name, data if data is not None else lambda_model_bytes(), "application/octet-stream")).run()
    assert not app.exception and expected in messages(app), messages(app)


@pytest.mark.parametrize(("build", "expected"), [
    ("dense", "no convolution"),
    ("sequence", "image input"),
])
def test_models_the_inspector_cannot_show_are_explained(build, expected):
    import keras

    if build == "dense":
        model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    else:
        model = keras.Sequential([keras.Input((20, 4)), keras.layers.Conv1D(2, 3), keras.layers.Flatten(), keras.layers.Dense(2)])
    app = open_page("views/inspect.py")
    app.radio(key="inspect_model").set_value("upload").run()
    app.file_uploader(key="inspect_model_upload").set_value(("m.keras", model_bytes(model), "application/octet-stream")).run()
    assert not app.exception and expected in messages(app)


# -- the inspector: uploaded pictures -----------------------------------------------------------
def noise_png() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


PICTURES = [
    ("notes.png", b"definitely not a picture", "not an image"),
    ("cut.png", noise_png()[:1500], "damaged or truncated"),
    ("dot.png", image_bytes((1, 1)), "at least"),
    ("empty.png", b"", "empty"),
    ("bomb.png", image_bytes((20_000, 20_000), 0), "enormous size"),
    ("wide.png", image_bytes((5000, 5000), 0, mode="I;16"), None),  # 25 megapixels of 16 bits: prepared, cheaply
    ("deep.png", image_bytes((4800, 4800), 0, mode="RGBA"), "MB to decode; the limit is 64 MB"),
    ("lab.tif", image_bytes((40, 40), (90, 128, 128), fmt="TIFF", mode="LAB"), None),  # its lightness is used
    ("float.tif", image_bytes((40, 40), 0.25, fmt="TIFF", mode="F"), None),
    ("renamed-pcx.png", image_bytes((40, 40), 0, fmt="PCX"), "format dlviz reads"),
    ("renamed-eps.png", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "format dlviz reads"),
    ("[x](https://evil.example).png", b"not a picture", "not an image"),
]


@pytest.mark.parametrize(("name", "data", "expected"), PICTURES)
def test_bad_pictures_keep_the_last_good_input(name, data, expected):
    app = open_page("views/inspect.py")
    app.radio(key="inspect_input_mode").set_value("upload").run()
    app.file_uploader(key="inspect_picture").set_value(("ok.png", image_bytes((28, 28), 30), "image/png")).run()
    good = app.session_state["inspect_picked"].image.copy()
    app.file_uploader(key="inspect_picture").set_value((name, data, "image/png")).run()
    assert not app.exception
    if expected is None:  # an unusual but readable picture: prepared, with what was converted said
        assert not app.error and app.get("plotly_chart"), messages(app)
        return
    assert expected in messages(app), messages(app)
    assert "](" not in "".join(element.proto.body for element in app.error)  # a file name is never a live link
    np.testing.assert_array_equal(app.session_state["inspect_picked"].image, good)


def test_a_model_with_an_enormous_input_is_refused_before_any_picture():
    import keras

    model = keras.Sequential([keras.Input((8000, 8000, 1)), keras.layers.Conv2D(1, 3), keras.layers.GlobalMaxPooling2D(),
                              keras.layers.Dense(2, activation="softmax")])
    app = open_page("views/inspect.py")
    app.radio(key="inspect_model").set_value("upload").run()
    app.file_uploader(key="inspect_model_upload").set_value(("giant.keras", model_bytes(model), "application/octet-stream")).run()
    assert not app.exception and "8000×8000" in messages(app) and "megapixels" in messages(app)


# -- links ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("page", "query", "expected"), [
    ("views/playground.py", {"preset": "<script>"}, "is not one of"),
    ("views/train.py", {"dataset": "imagenet"}, "is not one of"),
    ("views/inspect.py", {"index": "-5"}, "outside"),
    ("views/graphs.py", {"view": "3d"}, "is not one of"),
])
def test_bad_links_fall_back_with_a_notice(page, query, expected):
    app = open_page(page, **query)
    assert expected in messages(app)
