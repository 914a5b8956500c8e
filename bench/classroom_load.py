"""A classroom on one server: N browser sessions change the inspector's input while 2 sessions train.

Bounded and self-stopping, loopback only. Each viewer (a Playwright context in headless Chromium) opens
the inspector with the demo model and picks a new class ROUNDS times, timing each change until the
prediction shows the new class; two more sessions train the default CNN meanwhile. Prints p50/p95 of
the time to updated feature maps, the error count (goal 0) and the server's peak memory.
Run:  python bench/classroom_load.py [viewers=20] [rounds=4]
"""

import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, running_app  # noqa: E402

DEADLINE_SECONDS = 900


def peak_memory_mb(pid: int, stop: threading.Event, result: list) -> None:
    """Poll the server's resident memory (it and its children) until stopped."""
    import subprocess

    peak = 0
    while not stop.is_set():
        out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)], capture_output=True, text=True).stdout
        peak = max(peak, sum(int(line) for line in out.split() if line.strip().isdigit()))
        stop.wait(0.5)
    result.append(peak / 1024)


def main() -> None:
    viewers = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    from playwright.sync_api import sync_playwright

    timings, errors = [], []
    with running_app() as url, sync_playwright() as playwright:
        import subprocess

        server_pid = int(subprocess.run(["pgrep", "-f", "streamlit run app.py"], capture_output=True, text=True).stdout.split()[0])
        stop, memory = threading.Event(), []
        watcher = threading.Thread(target=peak_memory_mb, args=(server_pid, stop, memory))
        watcher.start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        started = time.perf_counter()
        trainers = []
        for _ in range(2):
            page = browser.new_context(viewport={"width": 1200, "height": 1600}).new_page()
            page.goto(f"{url}/train")
            page.get_by_role("button", name="Train").wait_for(timeout=120_000)
            page.get_by_role("button", name="Train").click()
            trainers.append(page)
        pages = []
        for _ in range(viewers):
            page = browser.new_context(viewport={"width": 1200, "height": 1400}).new_page()
            page.goto(f"{url}/inspect")
            pages.append(page)
        for page in pages:
            page.get_by_text("Overview: every layer").wait_for(timeout=180_000)
        for round_number in range(rounds):
            for index, page in enumerate(pages):
                if time.perf_counter() - started > DEADLINE_SECONDS:
                    break
                wanted = str((round_number * 3 + index) % 9 + 1)
                try:
                    begin = time.perf_counter()
                    page.get_by_test_id("stSelectbox").filter(has_text="Class").click()
                    page.get_by_role("option", name=wanted, exact=True).click()
                    page.wait_for_function(
                        f"() => document.querySelector('[data-testid=stMetricValue]')?.innerText.trim() === '{wanted}'",
                        timeout=60_000)
                    timings.append(time.perf_counter() - begin)
                except Exception as error:  # a load test counts failures instead of stopping at the first
                    errors.append(f"{type(error).__name__}: {str(error)[:120]}")
        for page in trainers:
            try:
                page.get_by_text("Test accuracy").wait_for(timeout=300_000)
            except Exception as error:
                errors.append(f"training: {type(error).__name__}")
        browser.close()
        stop.set()
        watcher.join()
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))] if timings else float("nan")
    print(f"{viewers} viewers × {rounds} input changes, 2 trainings at once: "
          f"p50 {statistics.median(timings):.2f} s, p95 {p95:.2f} s to updated feature maps; "
          f"errors {len(errors)}; server peak memory {memory[0]:.0f} MB")
    for error in errors[:5]:
        print("  ", error)


if __name__ == "__main__":
    main()
