"""Start the real app with `streamlit run` and drive it with Playwright in Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# What each page shows once it has really run (TensorFlow included), for tests and benches that wait for it.
PAGE_READY = {
    "": "EagerTensor · shape (2, 3, 3, 3) · rank 4",
    "playground": "Eager vs. graph vs. session",
    "train": "Total parameters",
    "inspect": "Overview: every layer, left to right",
    "why": "Explain the class",
    "graphs": "edges in TensorFlow's graph",
    "autoencoders": "3 · Train",
    "recurrent": "2 · Train",
    "boltzmann": "1 · Train an RBM",
}


def settled(page, path: str, timeout: float = 120_000) -> None:
    """Wait until the page at `path` shows its real content, then check that no exception box appeared."""
    page.get_by_text(PAGE_READY[path]).first.wait_for(timeout=timeout)
    page.wait_for_timeout(300)
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, f"/{path}: {exceptions.first.inner_text()[:500]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(timeout: float = 90.0) -> Iterator[str]:
    """`streamlit run app.py` on a free port; yields its base URL once /_stcore/health says ok."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    log = open(Path(tempfile.gettempdir()) / f"dlviz-server-{port}.log", "w")  # noqa: SIM115 (kept for debugging; closed below)
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the app did not start")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextlib.contextmanager
def chromium_page(width: int = 1400, height: int = 1000):
    """A Playwright page in headless Debian Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def enter_value(field, value: str, settle_ms: int = 1500) -> None:
    """Type a value into a text or number field and commit it with Enter, then let the rerun it starts settle."""
    field.fill(value)
    field.press("Enter")
    field.page.wait_for_timeout(settle_ms)


def choose_option(page, box_text: str, option_text: str, exact: bool = False, attempts: int = 4) -> None:
    """Open the select box labelled box_text and click the option containing option_text, retrying when a rerun closed the list."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        page.get_by_test_id("stSelectbox").filter(has_text=box_text).click()
        options = page.get_by_role("option", name=option_text, exact=True) if exact else page.get_by_role("option")
        option = options.filter(has_text=option_text).first
        try:
            option.wait_for(timeout=15_000)
            option.click(timeout=15_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
            page.wait_for_timeout(1_000)


def draw_on_canvas(page, strokes: list[list[tuple[float, float]]]) -> None:
    """Drag the mouse along each stroke (canvas pixels) on the inspector's drawing canvas, in small steps as a hand would."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=60_000)
    box = canvas.bounding_box()
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
        page.mouse.down()
        for (xa, ya), (xb, yb) in zip(stroke, stroke[1:]):
            for step in range(1, 13):
                page.mouse.move(box["x"] + xa + (xb - xa) * step / 12, box["y"] + ya + (yb - ya) * step / 12)
        page.mouse.up()
