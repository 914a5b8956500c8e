"""The recurrent page's "why LSTMs exist" experiment: SimpleRNN, LSTM and GRU trained on one memory task."""

from __future__ import annotations

import streamlit as st

from dlviz.figures import recurrent as figures
from dlviz.networks import recurrent
from dlviz.text import markdown_safe
from dlviz.training import jobs, training
from views._live import job_running, poll_while
from views._projector import chart
from views._resources import session_owner


def _start_comparison(longest: int, epochs: int) -> None:
    delays = tuple(sorted({d for d in (2, 5, 10, 20, 40) if d <= longest} | {longest}))
    config = training.TrainConfig(**{**recurrent.COMPARISON_CONFIG.__dict__, "epochs": epochs})
    result: dict = {}

    def work(hooks: training.Hooks) -> training.TrainingRun:
        result["comparison"], run = recurrent.compare_cells(delays, config=config, hooks=hooks)
        return run

    st.session_state.rnn_compare_job = jobs.submit(work, epochs=3 * len(delays) * epochs,
                                                   evaluate=lambda run: result.get("comparison"),
                                                   owner=session_owner(), label="SimpleRNN vs LSTM vs GRU")


def why_lstms() -> None:
    """SimpleRNN, LSTM and GRU trained on the same memory task: the vanishing gradient seen, and how far back each remembers."""
    st.markdown(
        "Training sends the error backwards through every time step. Each step back multiplies the gradient by the "
        "recurrent weights and by the slope of the activation; in an LSTM or GRU also by how far the forget (update) "
        "gate keeps the old state. Factors below 1 make the gradient **shrink step after step**, so the earliest "
        "inputs barely get a say in what is learned. A **SimpleRNN** has no way to change that factor for one "
        "step and not another. An **LSTM**'s cell state is only *added to* and scaled by its forget gate, and a "
        "**GRU** can copy its state along with its update gate: once such a gate learns to stay open, the gradient "
        "passes through unchanged.\n\n"
        "The test: random symbols, and the network must name the symbol it saw **k steps ago** (the first of k + 1). "
        "Each cell is trained the same way (16 units, same data, sizes and seeds) for several k. Keras starts a "
        "SimpleRNN with an orthogonal recurrent matrix, which keeps short memories well, and LSTM and GRU gates half "
        "open, so their memory fades at first until the gates learn; with few epochs the cells can come out closer "
        "than textbooks say. The charts show what really happened.")
    longest_column, epochs_column = st.columns(2)
    longest = longest_column.select_slider("Longest delay k", [5, 10, 20, 40], 20, key="rnn_longest_delay")
    epochs = epochs_column.select_slider("Epochs per network", [5, 10, 20, 40], recurrent.COMPARISON_CONFIG.epochs,
                                         key="rnn_compare_epochs")
    st.button("Train SimpleRNN, LSTM and GRU", on_click=_start_comparison, args=(int(longest), int(epochs)),
              key="rnn_compare", disabled=job_running("rnn_compare_job"))
    poll_while("rnn_compare_polling", lambda: job_running("rnn_compare_job"), _comparison_progress)
    job = st.session_state.get("rnn_compare_job")
    if job is None or job.running:
        return
    if job.status == "failed":
        st.error(markdown_safe(job.error))
        return
    comparison: recurrent.CellComparison = job.evaluation
    if comparison is None or not comparison.gradients_after:
        st.info("The comparison was stopped before a network finished; press the button to run it again.")
        return
    moment = st.radio("Gradients", ["after training", "before training"], horizontal=True, key="rnn_gradient_moment")
    norms = comparison.gradients_after if moment == "after training" else comparison.gradients_before
    left, right = st.columns(2)
    chart(figures.gradient_norms(norms, f"‖∂loss/∂x_t‖, k = {comparison.delays[-1]}, one test sequence"),
                      key="rnn_gradients", where=left)
    chart(figures.memory_figure(comparison.accuracy, comparison.chance), key="rnn_memory", where=right)
    st.caption("Left, on a log scale: a line that falls towards step 1 is a vanishing gradient. Right: accuracy on "
               "new sequences against how many steps back the answer lies; the dotted line is guessing.")


def _comparison_progress() -> None:
    job = st.session_state.get("rnn_compare_job")
    if job is None:
        return
    if job.running:
        st.progress(job.progress, text=f"{job.summary()} · {len(job.run.history) if job.run else 0} epochs so far, "
                                        "every cell and delay")
        st.button("Stop", on_click=job.request_stop, key="rnn_compare_stop")
