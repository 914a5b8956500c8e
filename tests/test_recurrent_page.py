"""The recurrent networks page driven through AppTest: each task trained end to end, bad settings and bad text."""

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dlviz.networks import recurrent
from tests.app_support import open_page


def specs(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def plotly_array(value) -> np.ndarray:
    """A data array from a figure's JSON: nested lists, or Plotly's base64 typed array with its shape."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        return array.reshape([int(side) for side in str(shape).split(",")]) if shape else array
    return np.asarray(value)


def table(app: AppTest, column: str):
    """The first table on the page with this column."""
    return next(frame.value for frame in app.dataframe if column in frame.value.columns)


def train(app: AppTest, epochs: int = 1) -> None:
    app.number_input(key="rnn_epochs").set_value(epochs).run()
    app.button(key="rnn_train").click().run()
    job = app.session_state["rnn_job"]
    assert job.wait(300), "training did not finish"
    app.run()
    assert not app.exception, app.exception
    assert job.status == "done", job.error


def heatmap(app: AppTest) -> dict:
    return next(spec for spec in specs(app) if any(
        annotation.get("text") == "hidden state h_t" for annotation in spec["layout"].get("annotations", [])))


def test_forecast_sunspots_train_and_see_hidden_states_and_baselines():
    app = open_page("views/recurrent.py")
    assert app.radio(key="rnn_task").value == "forecast" and app.selectbox(key="rnn_data_forecast").value == "sunspots"
    app.number_input(key="rnn_units").set_value(6).run()
    shapes = table(app, "formula")
    assert shapes["parameters"].iloc[0] == 4 * (6 * (6 + 1) + 6) and shapes["formula"].iloc[0] == "4 × (6 × (6 + 1) + 6)"
    train(app, epochs=2)
    model = app.session_state["rnn_job"].run.model
    data = app.session_state["rnn_job_data"]
    assert model.count_params() == shapes["parameters"].sum()
    assert [tab.label for tab in app.tabs] == ["Unrolled", "Hidden state over time", "Predictions"]
    # the heatmap shows the hidden state of test window 0, computed from the model's weights; LSTM gates too
    shown = heatmap(app)
    titles = {annotation["text"] for annotation in shown["layout"]["annotations"]}
    assert {"input gate i_t", "forget gate f_t", "output gate o_t", "cell state c_t"} <= titles
    np.testing.assert_allclose(plotly_array(shown["data"][0]["z"]).T, recurrent.hidden_states(model, data.x_test[0]), rtol=1e-4, atol=1e-5)
    # the baselines' errors in the table are the naive and least-squares forecasts' errors
    errors = table(app, "MAE").set_index("forecast")
    truth = data.series[data.boundaries[1]:]
    assert errors.loc["naive", "MAE"] == pytest.approx(np.mean(np.abs(data.series[data.boundaries[1] - 1:-1] - truth)), abs=1e-3)
    network = data.unscale(model.predict(data.x_test, verbose=0)[:, 0])
    assert errors.loc["network", "MAE"] == pytest.approx(np.mean(np.abs(network - truth)), abs=1e-3)
    assert "Recurrent network" in app.session_state["session_models"]
    # choosing another test window redraws the heatmap for it
    app.number_input(key="rnn_sample_window").set_value(7).run()
    np.testing.assert_allclose(plotly_array(heatmap(app)["data"][0]["z"]).T, recurrent.hidden_states(model, data.x_test[7]),
                               rtol=1e-4, atol=1e-5)


def test_digits_row_by_row_classifier_makes_up_its_mind():
    app = open_page("views/recurrent.py")
    app.radio(key="rnn_task").set_value("classify").run()
    assert app.selectbox(key="rnn_data_classify").value == "digits"
    app.selectbox(key="rnn_cell").select("gru").run()
    app.number_input(key="rnn_units").set_value(12).run()
    train(app, epochs=2)
    model, data = app.session_state["rnn_job"].run.model, app.session_state["rnn_job_data"]
    accuracy = float(app.metric[0].value.rstrip("%")) / 100
    direct = np.mean(np.argmax(model.predict(data.x_test, verbose=0), axis=1) == data.y_test)
    assert accuracy == pytest.approx(direct, abs=0.001)
    app.selectbox(key="rnn_sample_class").select(7).run()
    steps = next(spec for spec in specs(app) if "Class probabilities after each step" in spec["layout"].get("title", {}).get("text", ""))
    sample = data.x_test[np.flatnonzero(data.y_test == 7)[0]]
    np.testing.assert_allclose(plotly_array(steps["data"][0]["z"])[:, -1], model.predict(sample[None], verbose=0)[0], rtol=1e-4, atol=1e-5)
    titles = {annotation["text"] for annotation in heatmap(app)["layout"]["annotations"]}
    assert {"update gate z_t", "reset gate r_t"} <= titles


def test_next_character_on_pasted_text_bad_text_keeps_the_good_one():
    app = open_page("views/recurrent.py")
    app.radio(key="rnn_task").set_value("next_char").run()
    app.selectbox(key="rnn_data_next_char").select("Your own text (paste or upload)").run()
    app.text_area(key="rnn_text_paste").input("[x](https://evil.example) too short").run()
    assert "at least 2,000" in app.error[0].value and "\\[x\\]\\(https" not in app.error[0].value
    good = "the cat sat on the mat. " * 120
    app.text_area(key="rnn_text_paste").input(good).run()
    assert not app.error and app.session_state["rnn_user_text"].num_classes < 15
    app.text_area(key="rnn_text_paste").input("tiny").run()
    assert "at least" in app.error[0].value
    assert app.session_state["rnn_user_text"].text_parts[0].startswith("the cat sat")  # the good text is kept
    app.text_area(key="rnn_text_paste").input(good).run()
    app.number_input(key="rnn_window").set_value(16).run()
    app.number_input(key="rnn_units").set_value(8).run()
    train(app, epochs=1)
    model, data = app.session_state["rnn_job"].run.model, app.session_state["rnn_job_data"]
    bits = float(app.metric[0].value)
    assert bits == pytest.approx(recurrent.bits_per_character(model, data.x_test, data.y_test), abs=0.006)
    app.text_input(key="rnn_prompt").input("the ").run()
    app.button(key="rnn_write").click().run()
    written = app.code[-1].value
    assert written.startswith("the ") and len(written) == 4 + 300


def test_bad_settings_are_explained_before_training_and_the_trained_model_stays():
    app = open_page("views/recurrent.py")
    app.number_input(key="rnn_units").set_value(4).run()
    train(app, epochs=1)
    job = app.session_state["rnn_job"]
    app.number_input(key="rnn_window").set_value(300).run()
    assert "too few windows" in app.error[0].value
    app.number_input(key="rnn_window").set_value(12).run()
    app.radio(key="rnn_task").set_value("next_char").run()
    app.number_input(key="rnn_units").set_value(512).run()
    app.number_input(key="rnn_layers").set_value(4).run()
    assert "cannot work" in app.error[0].value and "parameters" in app.error[0].value
    assert app.button(key="rnn_train").disabled
    assert app.session_state["rnn_job"] is job and [tab.label for tab in app.tabs][:1] == ["Unrolled"]


def test_a_link_sets_the_model_and_bad_values_fall_back():
    app = open_page("views/recurrent.py", task="classify", data="digits28", cell="gru", units="20")
    assert app.selectbox(key="rnn_data_classify").value == "digits28"
    assert app.selectbox(key="rnn_cell").value == "gru" and app.number_input(key="rnn_units").value == 20
    assert table(app, "formula")["one time step"].iloc[0].startswith("x_t (28)")
    bad = open_page("views/recurrent.py", task="forecast", data="[x](https://evil.example)", units="99999")
    notices = " ".join(warning.value for warning in bad.warning)
    assert "units=99999" in notices and "is not a forecast" in notices and "](https" not in notices


def test_an_uploaded_binary_text_file_with_a_markdown_name_is_refused_literally():
    app = open_page("views/recurrent.py")
    app.radio(key="rnn_task").set_value("next_char").run()
    app.selectbox(key="rnn_data_next_char").select("Your own text (paste or upload)").run()
    app.file_uploader(key="rnn_text_upload").set_value(("[x](https://evil.example).txt", b"\x00\x01" * 500, "text/plain")).run()
    assert not app.exception
    message = app.error[0].value
    assert "\\[x\\]\\(https" in message  # the name is shown as text, never as a link
    assert "not a plain-text file" in message.replace("\\", "")


def test_why_lstms_trains_the_three_cells_and_draws_what_they_measured():
    app = open_page("views/recurrent.py")
    app.select_slider(key="rnn_longest_delay").set_value(5).run()
    app.select_slider(key="rnn_compare_epochs").set_value(5).run()
    app.button(key="rnn_compare").click().run()
    job = app.session_state["rnn_compare_job"]
    assert job.wait(600) and job.status == "done", job.error
    app.run()
    comparison = job.evaluation
    charts = specs(app)
    memory = next(spec for spec in charts if "How far back" in spec["layout"].get("title", {}).get("text", ""))
    assert [trace["name"] for trace in memory["data"]] == ["SimpleRNN", "LSTM", "GRU"]
    for trace, cell in zip(memory["data"], ("simple", "lstm", "gru")):
        assert list(trace["x"]) == [2, 5]
        np.testing.assert_allclose(plotly_array(trace["y"]), [comparison.accuracy[cell][k] for k in (2, 5)])
    gradients = next(spec for spec in charts if "k = 5" in spec["layout"].get("title", {}).get("text", ""))
    for trace, cell in zip(gradients["data"], ("simple", "lstm", "gru")):
        np.testing.assert_allclose(plotly_array(trace["y"]), comparison.gradients_after[cell], rtol=1e-6)
