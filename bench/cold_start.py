"""Cold start: from `streamlit run app.py` to the first chart in Chromium, beside TensorFlow's own import time.

Measured in one run, each page on a fresh server: TensorFlow's import alone (a bare `python -c "import
tensorflow, keras"`); the home page's first Plotly chart (it never waits for TensorFlow); the inspector's
first feature maps with the demo model (goal: at most 3 s after TensorFlow's own import time, since the
server starts the one loader and prepares the demo model before anyone asks).
Run:  python bench/cold_start.py [repeats=2]
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import chromium_page, running_app  # noqa: E402

FEATURE_MAPS_SHOWN = "() => [...document.querySelectorAll('.js-plotly-plot')].some(p => p.textContent.includes('prediction'))"


def tensorflow_import_seconds() -> float:
    code = "import time; t = time.perf_counter(); import tensorflow, keras; print(time.perf_counter() - t)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"TF_CPP_MIN_LOG_LEVEL": "3"})
    return float(result.stdout.strip().splitlines()[-1])


def cold(path: str, shown: str) -> tuple[float, float]:
    """(seconds until the server answers, seconds until the page shows) from `streamlit run`."""
    with chromium_page(height=1400) as page:
        started = time.perf_counter()
        with running_app() as url:
            healthy = time.perf_counter() - started
            page.goto(f"{url}/{path}")
            page.wait_for_function(shown, timeout=180_000)
            return healthy, time.perf_counter() - started


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    imports = [tensorflow_import_seconds() for _ in range(repeats)]
    tensorflow = statistics.median(imports)
    print(f"TensorFlow + Keras import alone: median {tensorflow:.2f} s ({', '.join(f'{s:.2f}' for s in imports)})")
    home = [cold("", "() => document.querySelector('.js-plotly-plot .main-svg') !== null") for _ in range(repeats)]
    print(f"home page:  server healthy {statistics.median(h for h, _ in home):.2f} s, first chart "
          f"{statistics.median(s for _, s in home):.2f} s after `streamlit run`")
    inspector = [cold("inspect", FEATURE_MAPS_SHOWN) for _ in range(repeats)]
    shown = statistics.median(s for _, s in inspector)
    print(f"inspector:  server healthy {statistics.median(h for h, _ in inspector):.2f} s, first feature maps "
          f"{shown:.2f} s after `streamlit run` = TensorFlow's import + {shown - tensorflow:.2f} s (goal <= 3 s)")


if __name__ == "__main__":
    main()
