"""Two sessions at once: each keeps its own model, data and program."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def train_session(dataset: str, epochs: int) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=240)
    app.switch_page("views/train.py")
    app.run()
    app.selectbox(key="dataset").select(dataset).run()
    app.selectbox(key="layer_preset").select("Minimal: one convolution").run()
    app.button(key="load_preset").click().run()
    app.number_input(key="epochs").set_value(epochs).run()
    app.button(key="train").click().run()
    return app


def test_two_sessions_train_different_models_and_each_keeps_its_own():
    first = train_session("digits", 1)
    second = train_session("shapes", 2)  # queued behind the first: one training at a time per server
    for app in (first, second):
        assert app.session_state["job"].wait(240)
        app.run()
        assert not app.exception
    one, two = first.session_state["current_model"], second.session_state["current_model"]
    assert one.model is not two.model
    assert one.input_shape == (8, 8, 1) and two.input_shape == (28, 28, 1)
    assert one.class_names[0] == "0" and two.class_names[0] == "circle"
    assert one.run.finished_epochs == 1 and two.run.finished_epochs == 2
    first.switch_page("views/inspect.py")
    first.run()
    assert "trained on digits" in " ".join(c.value for c in first.caption)


def test_playground_programs_do_not_leak_between_sessions():
    a = AppTest.from_file(APP, default_timeout=120)
    a.switch_page("views/playground.py")
    a.run()
    b = AppTest.from_file(APP, default_timeout=120)
    b.switch_page("views/playground.py")
    b.run()
    a.text_area(key="program_text").input("mine = constant([1, 2])").run()
    b.run()
    assert "mine" not in b.text_area(key="program_text").value
