"""The one TensorFlow loader and the process-wide resources: nothing imported twice at once, nothing half-built."""

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dlviz import shared

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_no_dlviz_module_imports_tensorflow_keras_or_sklearn_when_imported():
    out = run_python(
        "import importlib, pkgutil, sys, dlviz\n"
        "for m in pkgutil.walk_packages(dlviz.__path__, 'dlviz.'): importlib.import_module(m.name)\n"
        "import app\n"  # what the server imports first: its start-up hook, not run here
        "print(sorted({k.split('.')[0] for k in sys.modules} & {'tensorflow', 'keras', 'sklearn'}))"
    )
    assert out.strip() == "[]"


def test_the_loader_imports_tensorflow_once_and_lazy_modules_wait_for_it():
    out = run_python(
        "import threading\n"
        "from dlviz import runtime\n"
        "from dlviz.runtime import tf\n"
        "results = []\n"
        "threads = [threading.Thread(target=lambda: results.append(float(tf.reduce_sum(tf.ones([2, 3]))))) for _ in range(4)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(runtime.status().state, results, [t.name for t in threading.enumerate() if 'loader' in t.name])"
    )
    assert out.strip().startswith("ready [6.0, 6.0, 6.0, 6.0]")


def test_a_failed_load_is_reported_releases_its_waiters_and_is_retried():
    out = run_python(
        "from dlviz import runtime\n"
        "runtime.MODULES = ('dlviz_there_is_no_such_module',)\n"
        "first = runtime.wait(60)\n"
        "try:\n"
        "    runtime.require()\n"
        "except runtime.TensorFlowUnavailable as error:\n"
        "    print('refused:', error)\n"
        "runtime.MODULES, runtime.RETRY_AFTER = ('json',), 0\n"
        "second = runtime.wait(60)\n"
        "print(first.state, second.state)\n"
    )
    assert "refused: TensorFlow could not be loaded: ModuleNotFoundError" in out
    assert out.strip().endswith("failed ready")


def test_a_shared_resource_is_built_once_even_when_many_ask_at_once():
    builds = []

    def build():
        builds.append(threading.get_ident())
        time.sleep(0.2)
        return object()

    got = []
    threads = [threading.Thread(target=lambda: got.append(shared.resource("test-once", build))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1 and len({id(value) for value in got}) == 1
    shared.forget("test-once")


def test_a_failed_build_is_never_cached():
    attempts = []

    def build():
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("disk hiccup")
        return "built"

    with pytest.raises(OSError):
        shared.resource("test-retry", build)
    assert not shared.ready("test-retry")
    assert shared.resource("test-retry", build) == "built" and len(attempts) == 2
    shared.forget("test-retry")


def test_every_page_says_plainly_when_tensorflow_failed_and_the_next_visit_retries():
    out = run_python(
        "import re\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from dlviz import runtime\n"
        "from views._pages import PAGES\n"
        "runtime.MODULES, runtime.RETRY_AFTER = ('dlviz_broken_tensorflow',), 600\n"
        "runtime.wait(60)\n"
        "for page in PAGES:\n"
        "    app = AppTest.from_file('app.py', default_timeout=120)\n"
        "    app.switch_page(page.script)\n"
        "    app.run()\n"
        "    shown = ' '.join(re.sub(r'\\\\\\\\(.)', r'\\\\1', e.value) for e in app.error)\n"
        "    print(page.script, bool(app.exception), 'could not be loaded' in shown or 'being built' in ' '.join(i.value for i in app.info))\n"
        "runtime.MODULES, runtime.RETRY_AFTER = ('tensorflow', 'keras'), 0\n"
        "app = AppTest.from_file('app.py', default_timeout=240)\n"
        "app.switch_page('views/inspect.py')\n"
        "app.run()\n"
        "print('retry', runtime.status().state, bool(app.exception), len(app.get('plotly_chart')) > 0)\n"
    )
    lines = out.strip().splitlines()
    assert all(line.endswith("False True") for line in lines[:-1]), out
    assert lines[-1] == "retry ready False True", out
