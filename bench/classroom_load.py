"""A classroom arriving at once: N browser sessions within 5 s of a cold start, each on a random page, while
2 sessions train; then each viewer of the inspector changes its input a few times.

Bounded and self-stopping, loopback only, on a fresh server. Phase 1 times each session from its arrival
to its page drawn for real (TensorFlow included) and counts exception boxes and timeouts as errors (goal 0).
Phase 2 times an input change on the inspector until the prediction shows the new class. Prints p50/p95
of both, the error count and the server's peak memory (it and its children).
Run:  python bench/classroom_load.py [sessions=30] [rounds=2] [seed=0]
"""

import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, PAGE_READY, running_app, settled  # noqa: E402

DEADLINE_SECONDS = 900
ARRIVAL_WINDOW = 5.0


def peak_memory_mb(pid: int, stop: threading.Event, result: list) -> None:
    """Poll the server's resident memory (it and its children) until stopped."""
    peak = 0
    while not stop.is_set():
        out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)], capture_output=True, text=True).stdout
        peak = max(peak, sum(int(line) for line in out.split() if line.strip().isdigit()))
        stop.wait(0.5)
    result.append(peak / 1024)


def percentiles(values: list[float]) -> str:
    if not values:
        return "no measurements"
    values = sorted(values)
    return f"p50 {statistics.median(values):.2f} s, p95 {values[int(0.95 * (len(values) - 1))]:.2f} s"


def start_training(browser, url: str):
    page = browser.new_context(viewport={"width": 1200, "height": 1600}).new_page()
    page.goto(f"{url}/train")
    return page


def main() -> None:
    sessions = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    from playwright.sync_api import sync_playwright

    arrivals, changes, errors = [], [], []
    with running_app() as url, sync_playwright() as playwright:
        server_pid = int(subprocess.run(["pgrep", "-f", "streamlit run app.py"], capture_output=True, text=True).stdout.split()[0])
        stop, memory = threading.Event(), []
        watcher = threading.Thread(target=peak_memory_mb, args=(server_pid, stop, memory))
        watcher.start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        started = time.perf_counter()
        trainers = [start_training(browser, url) for _ in range(2)]
        visitors = []
        for index in range(sessions):  # everyone arrives within the first seconds after the server answers
            path = rng.choice(list(PAGE_READY))
            page = browser.new_context(viewport={"width": 1200, "height": 1400}).new_page()
            arrived = time.perf_counter()
            page.goto(f"{url}/{path}", wait_until="commit")
            visitors.append((page, path, arrived))
            time.sleep(max(0.0, ARRIVAL_WINDOW * (index + 1) / sessions - (time.perf_counter() - started)))
        for page in trainers:
            try:
                page.get_by_role("button", name="Train").wait_for(timeout=180_000)
                page.get_by_role("button", name="Train").click()
            except Exception as error:  # a load test counts failures instead of stopping at the first
                errors.append(f"training start: {type(error).__name__}")
        for page, path, arrived in visitors:
            try:
                settled(page, path, timeout=240_000)
                arrivals.append(time.perf_counter() - arrived)
            except Exception as error:
                errors.append(f"/{path}: {type(error).__name__}: {str(error)[:160]}")
        inspectors = [page for page, path, _ in visitors if path == "inspect"]
        for round_number in range(rounds):
            for index, page in enumerate(inspectors):
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
                    changes.append(time.perf_counter() - begin)
                except Exception as error:
                    errors.append(f"input change: {type(error).__name__}: {str(error)[:120]}")
        for page in trainers:
            try:
                page.get_by_text("Test accuracy").wait_for(timeout=300_000)
            except Exception as error:
                errors.append(f"training: {type(error).__name__}")
        browser.close()
        stop.set()
        watcher.join()
    pages = ", ".join(f"{path or 'home'} {sum(1 for _, p, _ in visitors if p == path)}" for path in PAGE_READY)
    print(f"{sessions} sessions arriving within {ARRIVAL_WINDOW:.0f} s of a cold start ({pages}), 2 trainings at once")
    print(f"  arrival to a drawn page: {percentiles(arrivals)}")
    print(f"  inspector input change to new feature maps ({len(inspectors)} viewers × {rounds}): {percentiles(changes)}")
    print(f"  errors {len(errors)} (goal 0); server peak memory {memory[0]:.0f} MB")
    for error in errors[:8]:
        print("   ", error)


if __name__ == "__main__":
    main()
