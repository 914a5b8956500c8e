"""The Boltzmann machines page driven through AppTest on a small setting, checked against direct computations."""

import base64
import io
import json

import numpy as np
from streamlit.testing.v1 import AppTest

from dlviz.data import datasets
from dlviz.networks import rbm_studies
from tests.app_support import open_page


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def array(value) -> np.ndarray:
    """A Plotly data array from a figure's JSON: a list, or a typed array (base64 bytes, dtype, shape)."""
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).astype(float)
        shape = value.get("shape")
        return data.reshape([int(size) for size in str(shape).split(",")]) if shape else data
    return np.array(value, dtype=float)


def charts(app: AppTest) -> dict[str, dict]:
    """Plotly specs by the key the page gave them."""
    return {chart.proto.id.rsplit("-", 1)[-1]: json.loads(chart.proto.spec) for chart in app.get("plotly_chart")}


def finish(app: AppTest, key: str) -> None:
    assert app.session_state[key].wait(900)
    app.run()
    assert not app.exception, app.exception


def trained_page() -> AppTest:
    app = open_page("views/boltzmann.py")
    assert "Press **Train**" in app.info[0].value
    app.number_input(key="rbm_hidden").set_value(16).run()
    app.number_input(key="rbm_epochs").set_value(2).run()
    app.button(key="rbm_train").click().run()
    finish(app, "rbm_job")
    return app


def test_train_then_see_curves_filters_reconstruction_gibbs_chain_and_graphs():
    app = trained_page()
    digits = datasets.load("digits")
    machine = app.session_state["rbm_job"].run.model
    w, b, c = machine.get_weights()
    specs = charts(app)
    curves = specs["rbm_job_curves"]
    held_out = next(trace for trace in curves["data"] if trace["name"] == "held-out images")
    assert len(held_out["x"]) == 2
    test_rows = digits.x_test.reshape(len(digits.x_test), -1)
    reconstruction = sigmoid(sigmoid(test_rows @ w + c) @ w.T + b)
    assert abs(array(held_out["y"])[-1] - np.mean((test_rows - reconstruction) ** 2)) < 1e-5

    # The filter grid: the busiest unit first, its weights scaled by their largest magnitude.
    busiest = int(np.argmax(sigmoid(test_rows @ w + c).mean(0)))
    grid = array(specs["rbm_filters"]["data"][0]["z"])
    np.testing.assert_allclose(grid[:8, :8], (w[:, busiest] / np.abs(w[:, busiest]).max()).reshape(8, 8), atol=1e-5)

    # Up and down for test image 0, then Gibbs chains that start from it.
    hidden = array(specs["rbm_reconstruction"]["data"][2]["z"]).ravel()[:16]
    np.testing.assert_allclose(hidden, sigmoid(test_rows[0] @ w + c), atol=1e-5)
    gibbs = array(specs["rbm_gibbs"]["data"][0]["z"])
    np.testing.assert_allclose(gibbs[:8, :8], digits.x_test[0, :, :, 0], atol=1e-6)
    labels = [annotation["text"] for annotation in specs["rbm_gibbs"]["layout"]["annotations"]]
    assert labels[0] == "step 0" and labels[-1] == "step 1,000"
    app.radio(key="rbm_gibbs_start").set_value("random noise").run()
    assert not app.exception

    # The CD update has no gradient ops; the backprop step does.
    def legend(spec):
        return {trace.get("name") for trace in spec["data"]}

    assert not any("gradient" in str(name) for name in legend(specs["rbm_graph_cd"]))
    assert any("gradient" in str(name) for name in legend(specs["rbm_graph_backprop"]))
    app.toggle(key="rbm_graph_open").set_value(True).run()
    assert "positive_phase" in json.dumps(charts(app)["rbm_graph_cd"])


def test_against_scikit_learn_and_the_few_labels_table():
    app = trained_page()
    app.button(key="rbm_compare_start").click().run()
    finish(app, "rbm_compare_job")
    table = next(frame.value for frame in app.dataframe if "implementation" in frame.value.columns)
    assert list(table["implementation"].str.split(" ").str[0]) == ["scikit-learn", "dlviz", "dlviz"]
    assert table["reconstruction error (held-out)"].between(0.0, 0.2).all()
    assert (table["seconds per epoch"] > 0).all()

    app.number_input(key="dbn_size_0").set_value(16).run()
    app.number_input(key="dbn_size_1").set_value(8).run()
    app.button(key="dbn_start").click().run()
    finish(app, "dbn_job")
    app.multiselect(key="few_counts").set_value([1]).run()
    app.number_input(key="few_draws").set_value(1).run()
    app.number_input(key="few_updates").set_value(20).run()
    app.button(key="few_start").click().run()
    finish(app, "few_job")
    result = app.session_state["few_job"].evaluation
    assert {row["method"] for row in result.rows} == set(rbm_studies.METHODS)
    digits = datasets.load("digits")
    chosen = rbm_studies.labelled_subset(digits.y_train, 1, np.random.default_rng([0, 0, 1]))
    direct = rbm_studies.logistic_accuracy(digits.x_train[chosen], digits.y_train[chosen], digits.x_test, digits.y_test, 1.0)
    shown = next(frame.value for frame in app.dataframe if rbm_studies.METHODS[0] in getattr(frame.value, "columns", []))
    assert abs(shown.loc["1", rbm_studies.METHODS[0]] - direct) < 1e-9
    assert any("Best for each number of labels" in markdown.value for markdown in app.markdown)


def test_fine_tuned_dbn_is_kept_for_the_other_pages():
    app = trained_page()
    app.number_input(key="dbn_size_0").set_value(16).run()
    app.number_input(key="dbn_size_1").set_value(8).run()
    app.button(key="dbn_start").click().run()
    finish(app, "dbn_job")
    app.number_input(key="dbn_fine_epochs").set_value(1).run()
    app.button(key="dbn_fine_start").click().run()
    assert app.session_state["dbn_fine_job"].wait(900) and app.session_state["dbn_scratch_job"].wait(900)
    app.run()
    kept = app.session_state["session_models"]["Deep belief network"]
    digits = datasets.load("digits")
    direct = np.mean(np.argmax(kept.model.predict(digits.x_test, verbose=0), 1) == digits.y_test)
    shown = float(app.metric[0].value.rstrip("%")) / 100
    assert abs(shown - direct) < 0.001 and kept.class_names[3] == "3"
    assert [layer.name for layer in kept.model.layers][-1] == "classifier"


def test_bad_uploads_and_links_get_clear_messages():
    app = open_page("views/boltzmann.py", dataset="nonsense", hidden="99999")
    warnings = " ".join(warning.value for warning in app.warning)
    assert "is not one of" in warnings and "outside" in warnings
    app.selectbox(key="rbm_dataset").select("Your own images (zip or .npz)").run()
    assert "Upload a zip" in app.info[0].value
    evil = "[x](https://evil.example).npz"
    app.file_uploader(key="rbm_user_dataset_upload").set_value((evil, b"not an npz", "application/octet-stream")).run()
    assert not app.exception
    error = app.error[0].value
    assert "not a readable .npz" in error.replace("\\", "") and "\\[x\\]\\(https" in error  # literally, not a link
    buffer = io.BytesIO()
    big = np.random.default_rng(0).random((20, 64, 64, 3)).astype(np.float32)
    np.savez(buffer, x=big, y=np.repeat([0, 1], 10))
    app.file_uploader(key="rbm_user_dataset_upload").set_value(("big.npz", buffer.getvalue(), "application/octet-stream")).run()
    assert not app.exception and not app.error
    app.number_input(key="rbm_hidden").set_value(4000).run()
    app.button(key="rbm_train").click().run()
    assert "the limit" in app.error[0].value and "session_models" not in app.session_state
