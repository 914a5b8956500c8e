"""A training job shown live on any page: its progress and state, a Stop button, and curves that move."""

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from dlviz.figures import charts
from dlviz.text import markdown_safe
from dlviz.training import jobs
from views._projector import chart


def poll_while(polling_key: str, running: Callable[[], bool], draw: Callable[[], None], every: float = 0.5) -> None:
    """Draw `draw` in a fragment that redraws every `every` seconds while `running()` holds; once it no longer does,
    rerun the whole page one time, so results below the fragment appear and the polling stops."""
    if running():
        st.session_state[polling_key] = True

    @st.fragment(run_every=every if running() else None)
    def live() -> None:
        draw()
        if not running() and st.session_state.pop(polling_key, False):
            st.rerun(scope="app")

    live()


def job_running(state_key: str) -> bool:
    """Whether the job kept in `st.session_state[state_key]` is still waiting or training."""
    job = st.session_state.get(state_key)
    return job is not None and job.running


def live_training(state_key: str, curves: Callable[[list[dict], int], go.Figure] = charts.training_curves,
                  waiting: str = "Press **Train**; the curves will move as it learns.") -> jobs.TrainingJob | None:
    """Show the job kept in `st.session_state[state_key]`, polling twice a second while it runs.

    When it ends, the whole page reruns once so results below can appear; returns the job."""

    def progress() -> None:
        job = st.session_state.get(state_key)
        if job is None:
            st.info(waiting)
            return
        history = job.run.history if job.run else []
        st.progress(job.progress, text=job.summary())
        slot = st.empty()  # the Stop button, then how it ended: one place, so the chart below is replaced, never doubled
        if job.running:
            slot.button("Stop", on_click=job.request_stop, key=f"{state_key}_stop", icon=":material/stop_circle:")
        elif job.status == "failed":
            slot.error(markdown_safe(job.error))
        elif job.run is not None and job.run.outcome == "diverged":
            slot.error(f"Training diverged and was stopped: {markdown_safe(job.run.stopped)}")
        elif job.run is not None and job.run.outcome == "stopped":
            slot.info(f"You stopped training after {job.run.finished_epochs} of {job.epochs} epochs; "
                      "the partly trained model is kept.")
        chart(curves(history, job.epochs), key=f"{state_key}_curves")

    poll_while(f"{state_key}_polling", lambda: job_running(state_key), progress)
    return st.session_state.get(state_key)


def train_button(key: str, job_key: str, start: Callable[[], None], refusals: tuple[type[Exception], ...],
                 ready: bool = True) -> None:
    """The Train button: `start` puts a new job in `st.session_state[job_key]`; a refusal (one of `refusals`) is said
    under the button until the next press. Disabled while that job runs or while the settings do not fit."""
    error_key = f"{key}_error"

    def press() -> None:
        try:
            start()
            st.session_state[error_key] = None
        except refusals as error:
            st.session_state[error_key] = str(error)

    st.button("Train", type="primary", on_click=press, disabled=not ready or job_running(job_key), key=key)
    if st.session_state.get(error_key):
        st.error(markdown_safe(st.session_state[error_key]))
