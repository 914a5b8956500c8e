"""A classroom arriving at once: N browser sessions within 5 s of a cold start, each on a random page, while
2 sessions train; then each viewer of the inspector changes its input a few times.

Bounded and self-stopping, loopback only, on a fresh server. Phase 1 times each session from its arrival
to its page drawn for real (TensorFlow included) and counts exception boxes and timeouts as errors (goal 0).
Phase 2 times an input change on the inspector until the prediction shows the new class. Prints p50/p95
of both, the error count and the server's peak memory (it and its children).
Run:  python bench/classroom_load.py [sessions=30] [rounds=2] [seed=0]
"""

import os
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


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time used so far by a process and its finished children, or by the whole machine when no pid is given."""
    ticks = os.sysconf("SC_CLK_TCK")
    if pid is None:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
        return (user + nice + system + irq + softirq + steal) / ticks
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / ticks


def drawn_seconds(page, path: str) -> float:
    """Seconds from the page's navigation to its real content, read from the page's own clock."""
    settled(page, path, timeout=240_000)
    return page.evaluate("window.__dlvizDrawn") / 1000


def percentiles(values: list[float]) -> str:
    if not values:
        return "no measurements"
    values = sorted(values)
    return f"p50 {statistics.median(values):.2f} s, p95 {values[int(0.95 * (len(values) - 1))]:.2f} s"


# Each page notes, in the browser, when its real content first shows (ms since its navigation started), so a
# page drawn while the script is still busy with another is timed when it was drawn, not when it was checked.
DRAWN_WATCH = """ready => { const watch = setInterval(() => {
    if (document.body && document.body.textContent.includes(ready)) { window.__dlvizDrawn = performance.now(); clearInterval(watch); }
}, 100); }"""


def visitor_page(browser, path: str):
    context = browser.new_context(viewport={"width": 1200, "height": 1400})
    context.add_init_script(f"({DRAWN_WATCH})({PAGE_READY[path]!r})")
    return context.new_page()


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
        server_cpu, machine_cpu = cpu_seconds(server_pid), cpu_seconds()
        trainers = [start_training(browser, url) for _ in range(2)]
        visitors = []
        for index in range(sessions):  # everyone arrives within the first seconds after the server answers
            path = rng.choice(list(PAGE_READY))
            page = visitor_page(browser, path)
            page.goto(f"{url}/{path}", wait_until="commit")
            visitors.append((page, path))
            time.sleep(max(0.0, ARRIVAL_WINDOW * (index + 1) / sessions - (time.perf_counter() - started)))
        for page in trainers:
            try:
                page.get_by_role("button", name="Train").wait_for(timeout=180_000)
                page.get_by_role("button", name="Train").click()
            except Exception as error:  # a load test counts failures instead of stopping at the first
                errors.append(f"training start: {type(error).__name__}")
        for page, path in visitors:
            try:
                arrivals.append(drawn_seconds(page, path))
            except Exception as error:
                errors.append(f"/{path}: {type(error).__name__}: {str(error)[:160]}")
        server_cpu, machine_cpu = cpu_seconds(server_pid) - server_cpu, cpu_seconds() - machine_cpu
        inspectors = [page for page, path in visitors if path == "inspect"]
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
        for page, _ in visitors:
            page.context.close()
        alone = []  # the baseline: the same pages opened one at a time on this warm server, nothing else running
        for path in dict.fromkeys(path for _, path in visitors):
            page = visitor_page(browser, path)
            page.goto(f"{url}/{path}", wait_until="commit")
            try:
                alone.append(drawn_seconds(page, path))
            except Exception as error:
                errors.append(f"alone /{path}: {type(error).__name__}: {str(error)[:160]}")
            page.context.close()
        browser.close()
        stop.set()
        watcher.join()
    pages = ", ".join(f"{path or 'home'} {sum(1 for _, p in visitors if p == path)}" for path in PAGE_READY)
    print(f"{sessions} sessions arriving within {ARRIVAL_WINDOW:.0f} s of a cold start ({pages}), 2 trainings at once")
    print(f"  arrival to a drawn page: {percentiles(arrivals)}; the same pages alone on the warm server: {percentiles(alone)}")
    print(f"  CPU while they arrived: the server used {server_cpu:.0f} s of the machine's {machine_cpu:.0f} s; the rest went "
          f"to the {sessions} browsers and the bench itself, which in a classroom run on the students' own machines")
    print(f"  inspector input change to new feature maps ({len(inspectors)} viewers × {rounds}): {percentiles(changes)}")
    print(f"  errors {len(errors)} (goal 0); server peak memory {memory[0]:.0f} MB")
    for error in errors[:8]:
        print("   ", error)


if __name__ == "__main__":
    main()
