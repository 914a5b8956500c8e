"""A training job shown live on any page: its progress and state, a Stop button, and curves that move."""

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from dlviz.figures import charts
from dlviz.text import markdown_safe
from dlviz.training import jobs
from views._projector import chart


def live_training(state_key: str, curves: Callable[[list[dict], int], go.Figure] = charts.training_curves,
                  waiting: str = "Press **Train**; the curves will move as it learns.") -> jobs.TrainingJob | None:
    """Show the job kept in `st.session_state[state_key]`, polling twice a second while it runs.

    When it ends, the whole page reruns once so results below can appear; returns the job."""
    job = st.session_state.get(state_key)
    polling_key = f"{state_key}_polling"
    if job is not None and job.running:
        st.session_state[polling_key] = True

    @st.fragment(run_every=0.5 if job is not None and job.running else None)
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
        if not job.running and st.session_state.get(polling_key):
            st.session_state[polling_key] = False
            st.rerun(scope="app")  # training ended: show the results and stop polling

    progress()
    return job
