"""Cold start: time from `streamlit run app.py` to the first Plotly chart visible in Chromium.

For the home page (goal <= 3 s; it never waits for TensorFlow) and for the inspector with the demo model
(goal <= 8 s: the first visit imports TensorFlow and loads the model). Each measured on a fresh server.
Run:  python bench/cold_start.py
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import chromium_page, running_app  # noqa: E402


def cold(path: str, ready_selector: str) -> tuple[float, float]:
    with chromium_page(height=1400) as page:
        started = time.perf_counter()
        with running_app() as url:
            healthy = time.perf_counter() - started
            page.goto(f"{url}/{path}")
            page.wait_for_selector(ready_selector, timeout=120_000)
            return healthy, time.perf_counter() - started


def main() -> None:
    for name, path, goal in (("home page", "", 3.0), ("inspector, demo model", "inspect", 8.0)):
        healthy, shown = cold(path, ".js-plotly-plot .main-svg")
        print(f"{name:24s} server healthy {healthy:5.2f} s, first Plotly chart visible {shown:5.2f} s (goal <= {goal:.0f} s)")


if __name__ == "__main__":
    main()
