"""The report page in a real headless browser (Debian's chromium), driven over the DevTools
protocol (--remote-debugging-pipe: JSON messages on file descriptors 3 and 4, no websocket
library needed): it loads without console errors, shows its tables and every image, and a
screenshot is kept under the test's tmp dir (its path printed)."""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from musiclust.report.loading import save_figure
from musiclust.report.page import Figure, clusters_section, render_page, summary_section
from musiclust.report.training_curves import training_figure
from tests.conftest import apt_install_or_skip

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1280,2000", "--remote-debugging-pipe"]


@pytest.fixture(scope="session")
def chromium() -> str:
    """A chromium binary; installs Debian's package when none is there and the tests may
    (tests/conftest.py, apt_install_or_skip), else skips saying why. Session-scoped so that it
    is asked before the demo run (pytest sets up wider scopes first)."""

    def missing() -> list[str]:
        return [] if shutil.which("chromium") or shutil.which("chromium-browser") else ["chromium"]

    apt_install_or_skip(["chromium"], missing, "Chromium")
    return shutil.which("chromium") or shutil.which("chromium-browser")


class DevTools:
    """A minimal DevTools-protocol client over chromium's debugging pipe."""

    def __init__(self, binary: str, profile: Path):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_fds():  # the pipe protocol: the browser reads fd 3 and writes fd 4
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)  # above 3 and 4 first
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        profile.mkdir(parents=True, exist_ok=True)
        self.stderr_path = profile.parent / f"{profile.name}-chromium.log"  # a file: a full pipe would block it
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                            preexec_fn=wire_fds, close_fds=False,  # (pipes are non-inheritable;
                                            # the dup2 copies, fds 3 and 4, are inherited)
                                            stdout=subprocess.DEVNULL, stderr=stderr)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._from_browser], [], [], remaining)[0]:
                raise TimeoutError("no answer from chromium: " + self.stderr_path.read_text(errors="replace")[-2000:])
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe: "
                                   + self.stderr_path.read_text(errors="replace")[-2000:])
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


def console_errors(events: list[dict]) -> list[str]:
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            errors.append(str(params.get("exceptionDetails", {}).get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(f"{params['entry'].get('source')}: {params['entry'].get('text')} {params['entry'].get('url', '')}")
    return errors


def inspect_page(binary: str, page: Path, screenshot: Path, profile: Path) -> dict:
    """Load ``page`` in headless chromium; its console errors, tables, images and a screenshot."""
    browser = DevTools(binary, profile)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.events.clear()
        browser.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")
        facts = browser.send("Runtime.evaluate", {"returnByValue": True, "awaitPromise": True, "expression": """
            (async () => {
              const images = Array.from(document.images);
              await Promise.all(images.map(i => i.decode().catch(() => null)));
              return {
                title: document.title,
                tables: document.querySelectorAll('table').length,
                tableRows: document.querySelectorAll('tbody tr').length,
                images: images.map(i => ({alt: i.alt, width: i.naturalWidth, height: i.naturalHeight})),
                sections: Array.from(document.querySelectorAll('nav a')).map(a => a.getAttribute('href')),
                sectionRows: Object.fromEntries(Array.from(document.querySelectorAll('section')).map(
                  s => [s.id, s.querySelectorAll('tbody tr').length])),
                sectionsFound: Array.from(document.querySelectorAll('nav a')).every(
                  a => document.querySelector(a.getAttribute('href')) !== null),
              };
            })()"""}, session=session)["result"]["value"]
        shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        facts["errors"] = console_errors(browser.events)
    finally:
        browser.close()
    print(f"\nscreenshot of {page.name}: {screenshot}")
    return facts


def check_page(facts: dict, min_images: int = 1) -> None:
    assert facts["errors"] == [], facts["errors"]
    assert facts["tables"] >= 2 and facts["tableRows"] > 0
    assert len(facts["images"]) >= min_images
    assert all(image["width"] > 0 and image["height"] > 0 for image in facts["images"]), facts["images"]
    assert facts["sectionsFound"] and len(facts["sections"]) >= 3


def test_page_of_plain_frames_in_a_browser(chromium, tmp_path):
    history = pd.DataFrame({"epoch": [1, 2, 3], "loss": [3.0, 2.0, 1.5], "reconstruction": [2.5, 1.6, 1.2],
                            "kl": [0.5, 0.4, 0.3], "beta": [0.3, 0.6, 1.0]})
    save_figure(training_figure({0: history}, "vae"), tmp_path / "training.png")
    tracks = pd.DataFrame({"track_id": np.arange(6), "genre": ["Rock", "Pop"] * 3})
    failures = pd.DataFrame({"track_id": [9], "stage": ["decode"], "reason": ["corrupt"], "detail": [""]})
    summary = pd.DataFrame({"representation": ["pca", "vae"], "algorithm": ["kmeans"] * 2, "marks": ["", "collapsed"]})
    ranking = Figure("Summary", "Ranking", "caption", tmp_path / "training.png")
    html = render_page(dataset="demo", config={"dataset": "demo", "seeds": [0]}, tracks=tracks, failures=failures,
                       lyrics=pd.DataFrame({"track_id": [0, 1], "status": ["found", "not_found"]}),
                       tables=[("Clustering results", "note <b>escaped</b>", summary)],
                       figures=[ranking, Figure("Training", "Training curves: vae", "caption", tmp_path / "training.png")],
                       summary=summary_section("pca clusters best.", "ARI", summary, [ranking]),
                       clusters=clusters_section("pca by kmeans", "note", pd.DataFrame({"cluster": ["0"], "tracks": [6]})))
    page = tmp_path / "index.html"
    page.write_text(html, encoding="utf-8")
    facts = inspect_page(chromium, page, tmp_path / "screenshot.png", tmp_path / "profile")
    check_page(facts, min_images=2)
    assert facts["sections"][:2] == ["#summary", "#clusters"]
    assert "<b>escaped</b>" not in html
    assert (tmp_path / "screenshot.png").stat().st_size > 0


@pytest.mark.workflow
def test_report_page_of_the_demo_run_in_a_browser(chromium, demo_run, tmp_path):
    workdir, config = demo_run
    page = workdir / "results" / "demo" / "report" / "index.html"
    assert page.exists()
    n_figures = len(list((page.parent / "figures").rglob("*.png")))
    facts = inspect_page(chromium, page, tmp_path / "report-screenshot.png", tmp_path / "profile")
    check_page(facts, min_images=n_figures)
    assert len(facts["images"]) == n_figures
    assert facts["sections"][:3] == ["#summary", "#clusters", "#dataset"]  # the answer first
    assert facts["sectionRows"]["summary"] > 0 and facts["sectionRows"]["clusters"] > 0
    assert [image["width"] > 0 for image in facts["images"] if image["alt"] == "Ranking"] == [True]
