"""The CNN inspector page driven through AppTest, with the demo model and a freshly trained one."""

import base64
import io
import json
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

from dlviz.cnn import inspect
from dlviz.data import modelio
from tests.app_support import APP, labelled, open_page, unescaped

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def open_inspector() -> AppTest:
    return open_page("views/inspect.py")


def plotly_array(value) -> np.ndarray:
    """A data array from a figure's JSON: a list, or Plotly's base64 typed-array form."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value)


def specs(app):
    return {chart.proto.id: json.loads(chart.proto.spec) for chart in app.get("plotly_chart")}


def test_demo_model_every_layer_and_view():
    app = open_inspector()
    demo = modelio.load_demo(ASSETS)
    image = app.session_state["inspect_picked"].image
    expected = np.asarray(demo.model(image[None], training=False))[0]
    assert app.metric[0].value == str(int(np.argmax(expected)))
    overview = next(spec for spec in specs(app).values() if any(t.get("type") == "bar" for t in spec["data"]))
    bars = next(t for t in overview["data"] if t.get("type") == "bar")
    np.testing.assert_allclose(plotly_array(bars["customdata"]), expected, rtol=1e-5)
    for name in [layer.name for layer in inspect.inspectable_layers(demo.model)]:
        labelled(app.selectbox, "Open a layer").set_value(name).run()
        assert not app.exception, (name, app.exception)
        assert app.tabs[0].label in ("Feature maps", "Activations")
    labelled(app.selectbox, "Open a layer").set_value("maxpool2d_2").run()
    assert "Max pooling" in [tab.label for tab in app.tabs]
    labelled(app.selectbox, "Open a layer").set_value("conv2d_1").run()
    labelled(app.number_input, "Row").set_value(3).run()
    labelled(app.number_input, "Column").set_value(20).run()
    pixel = inspect.conv_pixel(demo.model, image, "conv2d_1", 3, 20, 0)
    text = " ".join(m.value for m in app.markdown)
    assert f"**{pixel.model_output:.4f}**" in text and f"{pixel.activation}({pixel.pre_activation:.4f})" in text
    labelled(app.number_input, "Stride").set_value(2).run()
    assert not app.exception
    assert any("what-if: (14, 14, 16)" in json.dumps(spec) for spec in specs(app).values())


def test_changing_the_sample_changes_the_prediction_input():
    app = open_inspector()
    first = app.session_state["inspect_picked"].image.copy()
    app.selectbox(key="inspect_class").set_value(7).run()
    second = app.session_state["inspect_picked"].image
    assert not np.array_equal(first, second)
    assert app.metric[0].value == "7"


def png_bytes(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def test_uploaded_image_and_a_bad_one_keeps_the_last_good_input():
    app = open_inspector()
    app.radio(key="inspect_input_mode").set_value("upload").run()
    picture = Image.new("L", (60, 60), 255)
    picture.paste(0, (27, 8, 33, 52))  # a dark "1" on white paper
    app.file_uploader(key="inspect_picture").set_value(("one.png", png_bytes(picture), "image/png")).run()
    assert not app.exception and not app.error
    assert any("inverted" in caption.value for caption in app.caption)
    good = app.session_state["inspect_picked"].image.copy()
    app.file_uploader(key="inspect_picture").set_value(("broken.png", b"\x89PNG\r\n garbage", "image/png")).run()
    assert "broken.png" in unescaped(app.error[0].value)
    np.testing.assert_array_equal(app.session_state["inspect_picked"].image, good)


def test_freshly_trained_model_with_replay():
    app = AppTest.from_file(APP, default_timeout=180)
    app.switch_page("views/train.py")
    app.run()
    app.number_input(key="epochs").set_value(2).run()
    app.button(key="train").click().run()
    assert app.session_state["job"].wait(180)
    app.run()
    app.switch_page("views/inspect.py")
    app.run()
    assert not app.exception, app.exception
    assert app.radio(key="inspect_model").value == "CNN"
    labelled(app.selectbox, "Open a layer").set_value("conv2d_1").run()
    assert "Replay training" in [tab.label for tab in app.tabs]
    labelled(app.select_slider, "Epoch").set_value(1).run()
    assert not app.exception
    assert any("after epoch 1" in json.dumps(spec) for spec in specs(app).values())


def test_uploaded_model_without_convolutions_is_explained():
    import keras

    app = open_inspector()
    app.radio(key="inspect_model").set_value("upload").run()
    dense = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")])
    app.file_uploader(key="inspect_model_upload").set_value(("dense.keras", modelio.save_model(dense), "application/octet-stream")).run()
    assert not app.exception
    assert "no convolution" in unescaped(app.error[0].value)


def test_switching_the_model_leaves_nothing_of_the_previous_one():
    from dlviz.cnn import architecture
    from dlviz.data import datasets

    digits = datasets.load("digits")
    model = architecture.build_model(architecture.default_layers(), digits.input_shape, digits.num_classes, seed=0)
    app = AppTest.from_file(APP, default_timeout=180)
    app.session_state["current_model"] = modelio.CurrentModel(model, list(digits.class_names), "trained here", "digits",
                                                              None, digits)
    app.switch_page("views/inspect.py")
    app.run()
    assert app.radio(key="inspect_model").value == "CNN"
    labelled(app.selectbox, "Open a layer").set_value("maxpool2d_5").run()
    labelled(app.selectbox, "Open a layer").set_value("conv2d_1").run()
    labelled(app.number_input, "Row").set_value(7).run()
    assert "(8, 8, 32)" in " ".join(labelled(app.selectbox, "Open a layer").options)
    app.radio(key="inspect_model").set_value("demo").run()
    assert not app.exception
    layer_box = labelled(app.selectbox, "Open a layer")
    demo_layers = [layer.name for layer in inspect.inspectable_layers(modelio.load_demo(ASSETS).model)]
    assert layer_box.value == demo_layers[0] and all("(8, 8, 32)" not in option for option in layer_box.options)
    assert app.session_state["inspect_picked"].image.shape == (28, 28, 1)
    assert labelled(app.number_input, "Row").value == 14  # the demo's own middle row, not the 7 set on the other model
    app.radio(key="inspect_model").set_value("CNN").run()
    assert not app.exception and labelled(app.selectbox, "Open a layer").options[0].startswith("conv2d_1 (Conv2D, output (8, 8, 32))")


def test_an_encoder_is_shown_as_its_output_values_not_as_class_probabilities():
    import keras

    encoder = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
                                keras.layers.Flatten(name="flat"), keras.layers.Dense(2, name="code")], name="encoder")
    app = AppTest.from_file(APP, default_timeout=180)
    app.session_state["session_models"] = {"Autoencoder encoder": modelio.CurrentModel(encoder, [], "encoder of an autoencoder",
                                                                                          "digits28")}
    app.switch_page("views/inspect.py")
    app.run()
    app.radio(key="inspect_model").set_value("Autoencoder encoder").run()
    assert not app.exception and app.metric[0].label == "Output" and app.metric[0].value == "2 values"
    image = app.session_state["inspect_picked"].image
    code = np.asarray(encoder(image[None], training=False))[0]
    overview = next(spec for spec in specs(app).values() if any(t.get("type") == "bar" for t in spec["data"]))
    bars = next(t for t in overview["data"] if t.get("type") == "bar")
    np.testing.assert_allclose(plotly_array(bars["customdata"]), code, rtol=1e-5)
    assert "output" in json.dumps(overview) and "Why this prediction?" not in json.dumps([link.proto.label for link in app.get("page_link")])
    labelled(app.selectbox, "Open a layer").set_value("code").run()
    assert "class probabilities" not in json.dumps(specs(app))
