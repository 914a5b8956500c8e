"""The build-and-train page driven through AppTest: data, layers, a real training, uploads."""

import json

import numpy as np
from streamlit.testing.v1 import AppTest

from dlviz.cnn import architecture
from dlviz.data import modelio
from tests.app_support import open_page, unescaped
from tests.zip_support import class_folders


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
    for _ in range(3):  # on 8×8 digits: 8 → 4 (the preset's own pool) → 2 → 1, then nothing is left to pool
        app.selectbox(key="new_layer").select("MaxPool2D").run()
        app.button(key="add_layer").click().run()
    assert not app.exception
    kinds = [spec.kind for _, spec in app.session_state["stack"]]
    flatten = kinds.index("Flatten")
    assert kinds[flatten - 3:flatten] == ["MaxPool2D"] * 3 and len(kinds) == len(architecture.default_layers()) + 3
    shown = " ".join(unescaped(error.value) for error in app.error)
    assert "cannot work" in shown and f"Layer {flatten} (MaxPool 2×2) would shrink 1×1 to nothing" in shown
    table = app.dataframe[0].value  # the table stays: every layer that fits, then the one that does not, marked
    assert list(table["#"]) == list(range(1, flatten + 1)) and table["output shape"].iloc[-1] == "does not fit"
    assert table["output shape"].iloc[-2] == "1 × 1 × 32"
    code = app.code[0].value
    assert code.count("layers.MaxPool2D") == 3 and f"layer {flatten} (MaxPool 2×2) does not fit here" in code
    first = app.session_state["stack"][0][0]
    app.button(key=f"{first}_remove").click().run()
    assert len(app.session_state["stack"]) == len(kinds) - 1


def test_add_layer_puts_each_kind_where_it_fits_or_where_asked():
    app = open_train_page()
    app.selectbox(key="new_layer").select("Conv2D").run()
    app.button(key="add_layer").click().run()
    app.selectbox(key="new_layer").select("Dense").run()
    app.button(key="add_layer").click().run()
    kinds = [spec.kind for _, spec in app.session_state["stack"]]
    assert kinds[kinds.index("Flatten") - 1] == "Conv2D" and kinds[-1] == "Dense"
    app.selectbox(key="new_layer").select("Dropout").run()
    app.selectbox(key="new_layer_position").select(1).run()
    app.button(key="add_layer").click().run()
    assert app.session_state["stack"][0][1].kind == "Dropout"
    assert not app.error and not app.exception  # every layer landed where the stack still works


def test_layers_move_up_and_down():
    app = open_train_page()
    stack = app.session_state["stack"]
    second = stack[1][0]
    app.button(key=f"{second}_up").click().run()
    assert app.session_state["stack"][0][0] == second


def test_upload_own_images_and_a_bad_file_keeps_the_good_data():
    app = open_train_page()
    app.selectbox(key="dataset").select("Your own images (zip or .npz)").run()
    assert "Upload a zip" in app.info[0].value
    app.file_uploader(key="user_dataset_upload").set_value(("mine.zip", class_folders({"dark": 30, "light": 220}, side=8), "application/zip")).run()
    assert not app.exception and not app.error
    assert app.session_state["user_dataset"].class_names == ["dark", "light"]
    assert "2 classes" in " ".join(caption.value for caption in app.caption)
    app.file_uploader(key="user_dataset_upload").set_value(("bad.zip", b"not a zip", "application/zip")).run()
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


def train_once(app: AppTest, epochs: int) -> None:
    app.number_input(key="epochs").set_value(epochs).run()
    app.button(key="train").click().run()
    finish_training(app)


def test_runs_are_kept_compared_and_any_can_become_the_current_model():
    app = open_train_page()
    app.selectbox(key="layer_preset").select("Minimal: one convolution").run()
    app.button(key="load_preset").click().run()
    train_once(app, 1)
    first_model = app.session_state["current_model"].model
    app.number_input(key="learning_rate").set_value(0.01).run()
    train_once(app, 2)
    book = app.session_state["run_book"]
    assert [record.name for record in book.records] == ["Run 1", "Run 2"]
    assert [record.settings["learning rate"] for record in book.records] == [0.001, 0.01]
    assert [len(record.history) for record in book.records] == [1, 2]
    table = next(frame.value for frame in app.dataframe if "run" in frame.value.columns)
    assert list(table["run"]) == ["Run 1", "Run 2"] and list(table["how it ended"]) == ["Finished 1 epoch", "Finished 2 epochs"]
    direct = np.mean(np.argmax(book.records[1].model.predict(app.session_state["job_dataset"].x_test, verbose=0), 1)
                     == app.session_state["job_dataset"].y_test)
    assert table["test accuracy"].iloc[1] == direct
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    overlaid = next(spec for spec in specs if any(trace.get("name") == "Run 2" for trace in spec["data"]))
    assert {trace["name"] for trace in overlaid["data"]} == {"Run 1", "Run 2"}
    assert app.session_state["current_model"].model is book.records[1].model
    app.selectbox(key="run_pick").select("Run 1").run()
    app.button(key="run_use").click().run()
    assert app.session_state["current_model"].model is first_model


def test_a_stopped_run_says_stopped_not_done():
    app = open_train_page()
    app.selectbox(key="layer_preset").select("Minimal: one convolution").run()
    app.button(key="load_preset").click().run()
    app.number_input(key="epochs").set_value(200).run()
    app.button(key="train").click().run()
    job = app.session_state["job"]
    while not job.run or job.run.finished_epochs < 1:
        assert job.running
        job.wait(0.2)
    job.request_stop()
    finish_training(app)
    summary = job.summary()
    assert summary.startswith("Stopped at epoch") and summary.endswith("of 200") and job.progress < 1
    assert any("You stopped training after" in unescaped(info.value) for info in app.info)
