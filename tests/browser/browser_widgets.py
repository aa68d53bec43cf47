"""Every notebook in a real browser: JupyterLab (started by the README's `make lab`) in Chromium.

Run with ``make browser-test`` (not collected by ``make test``: the file name does not match
``test_*.py``). For every notebook: open it, wait for the kernel, Run All from the Run menu, wait
until every input prompt shows a number, and check that no output is an error and that no widget
says "Error displaying widget" or stays at "Loading widget". Then, for every slider, focus its
handle, press an arrow key and wait until the widget's figure (an ``img`` in the same output) has
a new picture decoded; the time from the key press to that decode is the slider-to-new-figure
latency. The Python side's own time per update (``FigureApp.update_seconds``) is read from the
kernel afterwards. A table of both is printed at the end. Failures leave screenshots in
``test-artifacts/``.

Environment: ``PGVIZ_CHROMIUM`` (default /usr/bin/chromium); ``PGVIZ_NOTEBOOKS`` (optional,
space-separated notebook file names to restrict the run); ``PGVIZ_BROWSER_ROOT`` (development
only: serve another folder's notebooks with ``jupyter lab`` instead of ``make lab``).
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re
import secrets
import shlex
import signal
import socket
import statistics
import subprocess
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVE_ROOT = pathlib.Path(os.environ.get("PGVIZ_BROWSER_ROOT", ROOT)).resolve()
NOTEBOOK_DIR = SERVE_ROOT / "notebooks"
CHROMIUM = os.environ.get("PGVIZ_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PRESSES_PER_SLIDER = 5  # the first change of a slider also takes its artists out of the cached background
RUN_ALL_TIMEOUT_S = 900
FIGURE_TIMEOUT_S = 20

# notebook name -> {"sliders": int, "browser_ms": [...], "python_ms": [...], "python_cpu_ms": [...]},
# and one such row per slider; printed by conftest.
RESULTS: dict[str, dict] = {}
SLIDERS: list[dict] = []


def _notebooks() -> list[str]:
    wanted = os.environ.get("PGVIZ_NOTEBOOKS", "").split()
    names = sorted(p.name for p in NOTEBOOK_DIR.glob("[0-9][0-9]-*.ipynb"))
    return [n for n in names if not wanted or n in wanted]


def _first_notebook() -> str:
    """The notebook `make lab` opens (FIRST_NOTEBOOK in the Makefile)."""
    if SERVE_ROOT == ROOT:
        match = re.search(r"^FIRST_NOTEBOOK\s*:?=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M)
        return match.group(1)
    return f"notebooks/{[n for n in _notebooks() if not n.startswith('00')][0]}"


def _digest(folder: pathlib.Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.ipynb"))}


def latency_table(results: dict[str, dict]) -> list[str]:
    """Rows: notebook, sliders, presses, then median/max ms of the browser latency, the Python
    refresh (wall clock) and the Python refresh's CPU time."""

    def stats(values):
        return f"{statistics.median(values):11.1f} {max(values):7.1f}" if values else f"{'-':>11} {'-':>7}"

    columns = ("browser", "python", "cpu")
    lines = [
        f"{'notebook':<42} {'sliders':>7} {'presses':>7} "
        + " ".join(f"{c + ' median':>11} {'max':>7}" for c in columns)
    ]
    totals = {"browser_ms": [], "python_ms": [], "python_cpu_ms": []}
    for name, row in results.items():
        for key in totals:
            totals[key] += row.get(key, [])
        lines.append(
            f"{name:<42} {row['sliders']:>7} {len(row['browser_ms']):>7} "
            + " ".join(stats(row.get(key, [])) for key in totals)
        )
    lines.append(
        f"{'all notebooks':<42} {'':>7} {len(totals['browser_ms']):>7} "
        + " ".join(stats(values) for values in totals.values())
    )
    lines += [
        "browser: key press -> new figure decoded in Chromium (ms); python: "
        "FigureApp.update_seconds, the refresh's wall clock (update + draw + PNG);",
        "cpu: FigureApp.update_cpu_seconds, its CPU time (wall clock minus waiting for a "
        "busy machine); initial draws excluded",
    ]
    return lines


# --- the JupyterLab server, started through the README's command ------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Lab:
    """A JupyterLab server on 127.0.0.1 with a token; REST helpers."""

    def __init__(self, tmp: pathlib.Path):
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.runtime_dir = tmp / "runtime"
        settings = tmp / "settings"
        # Never write to the committed notebooks (no autosave); keep every cell in the DOM.
        for plugin, values in {
            "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
            "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
            "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        }.items():
            path = settings / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = {
            **os.environ,
            "JUPYTER_RUNTIME_DIR": str(self.runtime_dir),
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
            "JUPYTER_CONFIG_DIR": str(tmp / "config"),
        }
        lab_args = (
            f"--no-browser --allow-root --ip=127.0.0.1 --port={self.port} "
            f"--IdentityProvider.token={self.token} --LabApp.news_url=None"
        )
        if SERVE_ROOT == ROOT:  # the README's command, exactly
            command = ["make", "--no-print-directory", "lab", f"LAB_ARGS={lab_args}"]
        else:
            command = [str(ROOT / ".venv" / "bin" / "jupyter"), "lab", *shlex.split(lab_args)]
        self.log_path = tmp / "jupyterlab.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            command, cwd=SERVE_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                self.get("/api/status")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        raise RuntimeError(f"JupyterLab did not answer in {timeout} s:\n{self.log_path.read_text()[-3000:]}")

    def request(self, path: str, method: str = "GET") -> tuple[int, bytes]:
        request = urllib.request.Request(
            self.base + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()

    def get(self, path: str):
        return json.loads(self.request(path)[1] or b"null")

    def session_for(self, name: str) -> dict | None:
        for session in self.get("/api/sessions"):
            if session.get("path", "").endswith(f"notebooks/{name}"):
                return session
        return None

    def shutdown_session(self, name: str) -> None:
        session = self.session_for(name)
        if session:
            self.request(f"/api/sessions/{session['id']}", method="DELETE")

    def kernel_exec(self, kernel_id: str, code: str, timeout: float = 60) -> str:
        """Run ``code`` in a running kernel (a second client) and return its stdout."""
        from jupyter_client import BlockingKernelClient

        client = BlockingKernelClient(connection_file=str(self.runtime_dir / f"kernel-{kernel_id}.json"))
        client.load_connection_file()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=timeout)
            chunks = []
            reply = client.execute_interactive(
                code,
                timeout=timeout,
                store_history=False,
                output_hook=lambda msg: (
                    chunks.append(msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None
                ),
            )
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"kernel error: {reply['content'].get('evalue')}")
            return "".join(chunks)
        finally:
            client.stop_channels()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    before = _digest(NOTEBOOK_DIR)
    server = Lab(tmp_path_factory.mktemp("jupyterlab"))
    yield server
    server.stop()
    assert _digest(NOTEBOOK_DIR) == before, "the browser run changed a notebook on disk"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# --- page helpers --------------------------------------------------------------------------------

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

PROMPTS_JS = f"""() => [...document.querySelectorAll('{PANEL} .jp-CodeCell')].map(cell => [
    (cell.querySelector('.jp-InputArea-prompt') || {{textContent: ''}}).textContent.trim(),
    (cell.querySelector('.cm-content') || {{textContent: 'x'}}).textContent.trim() === ''])"""

ERRORS_JS = f"""() => [...document.querySelectorAll(
    '{PANEL} .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
    .map(e => e.textContent).filter(t => /Traceback \\(most recent call last\\)|^\\s*\\w*(Error|Exception)\\b/m.test(t))"""

# Watch the images of the output holding `handle`: record the first change after a key press and
# the moment the new picture is decoded.
WATCH_JS = """(handle) => {
    const state = window.__pgviz || (window.__pgviz = {});
    if (!state.keyListener) {
        state.keyListener = true;
        document.addEventListener('keydown', () => { state.keyAt = performance.now(); }, true);
    }
    const output = handle.closest('.jp-OutputArea-output') || handle.closest('.jp-Cell');
    if (state.observer) state.observer.disconnect();
    state.changedAt = null; state.shownAt = null;
    const shown = (img) => img.decode().then(() => {
        if (state.shownAt === null && state.changedAt !== null) state.shownAt = performance.now();
    }).catch(() => {});
    state.observer = new MutationObserver((records) => {
        for (const record of records) {
            const imgs = record.type === 'attributes' ? [record.target]
                : [...record.addedNodes].flatMap(n => n.nodeType === 1
                    ? (n.tagName === 'IMG' ? [n] : [...n.querySelectorAll('img')]) : []);
            for (const img of imgs) {
                if (img.tagName !== 'IMG') continue;
                if (state.changedAt === null) state.changedAt = performance.now();
                shown(img);
            }
        }
    });
    state.observer.observe(output, {subtree: true, childList: true, attributes: true,
                                    attributeFilter: ['src']});
    return output.querySelectorAll('img').length;
}"""


def _screenshot(page, name: str, what: str, element=None) -> pathlib.Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{pathlib.Path(name).stem}-{what}.png"
    try:
        target = element if element is not None else page.locator(PANEL).first
        target.screenshot(path=str(path), timeout=10_000)
    except Exception:  # the element may be gone; keep at least the whole page
        page.screenshot(path=str(path))
    return path


def _wait_for_kernel(lab: Lab, page, name: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session = lab.session_for(name)
        if session and session["kernel"].get("execution_state") == "idle":
            indicator = page.locator(f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']")
            if indicator.count():
                return session
        time.sleep(0.5)
    raise AssertionError(f"{name}: kernel not idle after {timeout} s")


def _run_all(page, name: str) -> None:
    """Run All from the Run menu; retried while the kernel connection is still being made."""
    if not page.evaluate(PROMPTS_JS):
        return  # no code cells (the index notebook)
    for _attempt in range(4):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator("li[data-command='runmenu:run-all']").click()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if any(prompt not in ("[ ]:", "") for prompt, _ in page.evaluate(PROMPTS_JS)):
                return
            time.sleep(0.25)
    raise AssertionError(f"{name}: Run All did not start any cell")


def _wait_until_executed(page, name: str) -> None:
    deadline = time.monotonic() + RUN_ALL_TIMEOUT_S
    while time.monotonic() < deadline:
        errors = page.evaluate(ERRORS_JS)
        if errors:
            _screenshot(page, name, "error-output")
            raise AssertionError(f"{name}: error output:\n{errors[0][-2000:]}")
        prompts = page.evaluate(PROMPTS_JS)
        if all(re.fullmatch(r"\[\d+\]:", p) or empty for p, empty in prompts):
            return
        time.sleep(0.5)
    _screenshot(page, name, "not-executed")
    raise AssertionError(f"{name}: not every cell executed after {RUN_ALL_TIMEOUT_S} s: {page.evaluate(PROMPTS_JS)}")


def _wait_for_widgets(page, name: str, timeout: float = 60) -> None:
    panel = page.locator(PANEL)
    deadline = time.monotonic() + timeout
    while panel.get_by_text("Loading widget").count() and time.monotonic() < deadline:
        time.sleep(0.25)
    problems = {text: panel.get_by_text(text).count() for text in ("Error displaying widget", "Loading widget")}
    if any(problems.values()):
        _screenshot(page, name, "widget-error")
        raise AssertionError(f"{name}: {problems}")


def _move_slider(page, handle) -> float:
    """Press an arrow key on a slider handle; return ms from key press to the new figure shown."""
    value, maximum = (handle.get_attribute(a) for a in ("aria-valuenow", "aria-valuemax"))
    key = "ArrowLeft" if value is not None and maximum is not None and float(value) >= float(maximum) else "ArrowRight"
    images = handle.evaluate(WATCH_JS)
    if images == 0:
        raise AssertionError("no figure (img) in the slider's output")
    handle.focus()
    handle.press(key)
    page.wait_for_function("() => window.__pgviz.shownAt !== null", timeout=FIGURE_TIMEOUT_S * 1000, polling=10)
    latency = page.evaluate("() => window.__pgviz.shownAt - window.__pgviz.keyAt")
    time.sleep(0.3)  # let any follow-up redraw land before the next press
    return latency


PYTHON_TIMES = """
import gc, json
from pgviz.widgets.base import FigureApp
print(json.dumps({str(id(o)): {"wall": list(getattr(o, "update_seconds", [])),
                              "cpu": list(getattr(o, "update_cpu_seconds", []))}
                  for o in gc.get_objects() if isinstance(o, FigureApp)}))
"""


def _new_python_times(before: dict, after: dict) -> tuple[list[float], list[float]]:
    """Refresh times (ms, wall and CPU) recorded between two PYTHON_TIMES snapshots."""
    wall, cpu = [], []
    for key, times in after.items():
        seen = len(before.get(key, {}).get("wall", []))
        wall += [1000 * t for t in times["wall"][seen:]]
        cpu += [1000 * t for t in times["cpu"][seen:]]
    return wall, cpu


# --- the tests -----------------------------------------------------------------------------------


def test_readme_lab_command_serves_the_first_notebook(lab):
    status, body = lab.request(f"/lab/tree/{_first_notebook()}")
    assert status == 200 and b"JupyterLab" in body
    status, body = lab.request(f"/api/contents/{_first_notebook()}?content=0")
    assert status == 200 and json.loads(body)["type"] == "notebook"


@pytest.mark.parametrize("name", _notebooks())
def test_notebook_runs_and_every_slider_moves_its_figure(lab, browser, name):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    row = RESULTS.setdefault(name, {"sliders": 0, "browser_ms": [], "python_ms": [], "python_cpu_ms": []})
    try:
        page.goto(f"{lab.base}/lab/tree/notebooks/{name}?token={lab.token}&reset")
        page.locator(f"{PANEL} .jp-Notebook").wait_for(state="visible", timeout=120_000)
        session = _wait_for_kernel(lab, page, name)
        time.sleep(1.0)  # "idle" shows shortly before the kernel connection is usable
        _run_all(page, name)
        _wait_until_executed(page, name)
        _wait_for_widgets(page, name)

        handles = page.locator(f"{PANEL} .widget-slider .noUi-handle")
        row["sliders"] = handles.count()
        kernel_id = session["kernel"]["id"]
        snapshot = json.loads(lab.kernel_exec(kernel_id, PYTHON_TIMES)) if row["sliders"] else {}
        for index in range(handles.count()):
            handle = handles.nth(index)
            if handle.evaluate("h => !!h.closest('[disabled]')"):
                continue
            label = handle.evaluate(
                "h => { const s = h.closest('.widget-slider');"
                " const l = s && s.querySelector('.widget-label');"
                " return l ? l.textContent.trim() : ''; }"
            )
            handle.scroll_into_view_if_needed()
            browser_ms = []
            for press in range(PRESSES_PER_SLIDER):
                try:
                    browser_ms.append(_move_slider(page, handle))
                except Exception as error:
                    output = handle.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea-output')][1]")
                    shot = _screenshot(page, name, f"slider{index}-press{press}", output if output.count() else None)
                    raise AssertionError(
                        f"{name}: slider {index} ({label}) press {press}: figure "
                        f"did not change within {FIGURE_TIMEOUT_S} s ({error}); "
                        f"screenshot {shot.relative_to(ROOT)}"
                    ) from None
            latest = json.loads(lab.kernel_exec(kernel_id, PYTHON_TIMES))
            wall, cpu = _new_python_times(snapshot, latest)
            snapshot = latest
            row["browser_ms"] += browser_ms
            row["python_ms"] += wall
            row["python_cpu_ms"] += cpu
            SLIDERS.append(
                {
                    "name": f"  {pathlib.Path(name).stem[:3]}slider {index} {label}"[:42],
                    "sliders": 1,
                    "browser_ms": browser_ms,
                    "python_ms": wall,
                    "python_cpu_ms": cpu,
                }
            )
        _wait_for_widgets(page, name, timeout=5)
    except Exception:
        _screenshot(page, name, "failure")
        raise
    finally:
        context.close()
        lab.shutdown_session(name)
