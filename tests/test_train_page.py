"""The build-and-train page driven through AppTest: data, layers, a real training, uploads."""

import io
import json
import zipfile

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

from dlviz.cnn import architecture
from dlviz.data import modelio
from tests.app_support import open_page, unescaped


def open_train_page() -> AppTest:
    return open_page("views/train.py")


def finish_training(app: AppTest) -> None:
    job = app.session_state["job"]
    assert job.wait(180)
    app.run()
    assert not app.exception, app.exception


def test_pick_data_edit_a_layer_train_one_epoch_and_see_results():
    app = open_train_page()
    app.selectbox(key="dataset").select("shapes").run()
    assert "circle" in app.get("plotly_chart")[0].proto.spec
    app.selectbox(key="layer_preset").select("Minimal: one convolution").run()
    app.button(key="load_preset").click().run()
    uid = app.session_state["stack"][0][0]
    app.number_input(key=f"{uid}_filters").set_value(4).run()
    table = app.dataframe[0].value
    assert table["output shape"].iloc[0] == "28 × 28 × 4"
    assert table["parameters"].iloc[0] == 3 * 3 * 1 * 4 + 4
    app.number_input(key="epochs").set_value(1).run()
    app.button(key="train").click().run()
    finish_training(app)
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    curves = next(spec for spec in specs if any(trace.get("name") == "training" for trace in spec["data"]))
    assert len(curves["data"][0]["x"]) == 1
    accuracy = float(app.metric[0].value.rstrip("%")) / 100
    current = app.session_state["current_model"]
    direct = np.mean(np.argmax(current.model.predict(current.dataset.x_test, verbose=0), 1)
                     == current.dataset.y_test)
    assert abs(accuracy - direct) < 0.001 and accuracy > 0.2
    assert current.class_names[0] == "circle" and current.model.get_layer("conv2d_1").filters == 4


def test_an_invalid_stack_is_explained_and_kept():
    app = open_train_page()
    for _ in range(3):
        app.selectbox(key="new_layer").select("MaxPool2D").run()
        app.button(key="add_layer").click().run()
    assert not app.exception
    assert "cannot work" in unescaped(app.error[0].value) and "Flatten" in unescaped(app.error[0].value)
    kinds = [spec.kind for _, spec in app.session_state["stack"]]
    assert kinds[-3:] == ["MaxPool2D"] * 3 and len(kinds) == len(architecture.default_layers()) + 3
    first = app.session_state["stack"][0][0]
    app.button(key=f"{first}_remove").click().run()
    assert len(app.session_state["stack"]) == len(kinds) - 1


def test_layers_move_up_and_down():
    app = open_train_page()
    stack = app.session_state["stack"]
    second = stack[1][0]
    app.button(key=f"{second}_up").click().run()
    assert app.session_state["stack"][0][0] == second


def zip_upload() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, colour in (("dark", 30), ("light", 220)):
            for i in range(6):
                image = io.BytesIO()
                Image.new("L", (8, 8), colour + i).save(image, format="PNG")
                archive.writestr(f"{name}/{i}.png", image.getvalue())
    return buffer.getvalue()


def test_upload_own_images_and_a_bad_file_keeps_the_good_data():
    app = open_train_page()
    app.selectbox(key="dataset").select("Your own images (zip or .npz)").run()
    assert "Upload a zip" in app.info[0].value
    app.file_uploader(key="data_upload").set_value(("mine.zip", zip_upload(), "application/zip")).run()
    assert not app.exception and not app.error
    assert app.session_state["user_dataset"].class_names == ["dark", "light"]
    assert "2 classes" in " ".join(caption.value for caption in app.caption)
    app.file_uploader(key="data_upload").set_value(("bad.zip", b"not a zip", "application/zip")).run()
    assert "bad.zip" in unescaped(app.error[0].value) and "not a readable zip" in unescaped(app.error[0].value)
    assert app.session_state["user_dataset"].class_names == ["dark", "light"]


def test_model_upload_good_lambda_and_random_bytes():
    import keras

    app = open_train_page()
    model = architecture.build_model(architecture.default_layers(), (8, 8, 1), 10)
    app.file_uploader(key="model_upload").set_value(("mine.keras", modelio.save_model(model), "application/octet-stream")).run()
    assert not app.exception and not app.error
    assert "uploaded mine.keras" in unescaped(app.success[-1].value)
    inputs = keras.Input((8, 8, 1))
    lambda_model = keras.Model(inputs, keras.layers.Lambda(lambda x: x + 1)(inputs))
    app.file_uploader(key="model_upload").set_value(("evil.keras", modelio.save_model(lambda_model), "application/octet-stream")).run()
    assert "Lambda" in unescaped(app.error[0].value)
    app.file_uploader(key="model_upload").set_value(("noise.keras", np.random.bytes(5000), "application/octet-stream")).run()
    assert "not a .keras model" in unescaped(app.error[0].value)
    assert "uploaded mine.keras" in unescaped(app.success[-1].value)  # the good model is still the current one
