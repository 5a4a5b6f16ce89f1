"""Headless Chromium driven over the DevTools protocol (websocket-client), for the HTML report's
browser tests and the README screenshot.

One browser per test session (:func:`chromium_or_skip_reason`); each :meth:`Chromium.load` opens a
fresh tab, records console messages, exceptions, network requests and JavaScript dialogs, waits
for the load event and returns a :class:`Page`.

    python tests/headless.py report.html shot.png 1280 900   # a screenshot from the command line
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_TIMEOUT = 60.0


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        exe = shutil.which(name)
        if exe:
            return exe
    return None


def chromium_or_skip_reason() -> tuple[Chromium | None, str]:
    """A started browser, or None and the one reason the browser tests are skipped."""
    exe = find_chromium()
    if exe is None:
        return None, "Chromium is not installed (make system-deps installs Debian's chromium)"
    try:
        import websocket  # noqa: F401
    except ImportError:
        return None, "the websocket-client package is missing (pip install -e '.[test]')"
    try:
        return Chromium(exe), ""
    except (OSError, TimeoutError, RuntimeError) as exc:
        return None, f"Chromium did not start: {exc}"


@dataclass
class Page:
    """What happened while a page loaded, and a handle to ask it more."""

    browser: Chromium
    session: str
    url: str
    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)

    def evaluate(self, expression: str) -> Any:
        params = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        result = self.browser.call("Runtime.evaluate", params, self.session)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, full: bool = False) -> bytes:
        """A PNG of the viewport, or of the ``full`` page."""
        params: dict[str, Any] = {"format": "png"}
        if full:
            w, h = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params |= {"captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}}
        data = self.browser.call("Page.captureScreenshot", params, self.session)["data"]
        return base64.b64decode(data)

    def errors(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and error log entries (CSP violations among them)."""
        out = [f"console.{m['type']}: {m.get('args')}" for m in self.console if m["type"] in ("error", "warning", "assert")]
        out += [f"exception: {e.get('exceptionDetails', {}).get('text')}" for e in self.exceptions]
        out += [f"log {e['entry']['level']}: {e['entry'].get('text')}" for e in self.log
                if e["entry"]["level"] in ("error", "warning")]
        return out

    def close(self) -> None:
        self.browser.call("Target.closeTarget", {"targetId": self.browser.targets.pop(self.session)})


class Chromium:
    """A headless Chromium process and a DevTools connection to it."""

    def __init__(self, exe: str) -> None:
        import websocket

        self.profile = tempfile.mkdtemp(prefix="jl-chromium-")
        self.proc = subprocess.Popen(
            [exe, "--headless=new", "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "--no-sandbox",
             "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
             "--force-color-profile=srgb", "--disable-dev-shm-usage", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + _TIMEOUT
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.proc.poll() is not None:
                raise RuntimeError(f"exited with status {self.proc.returncode}")
            if time.monotonic() > deadline:
                self.quit()
                raise TimeoutError("no DevTools port after 60 s")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=_TIMEOUT, suppress_origin=True)
        self.next_id = 0
        self.pages: dict[str, Page] = {}
        self.targets: dict[str, str] = {}

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))

    def _receive(self) -> dict[str, Any]:
        msg = json.loads(self.ws.recv())
        page = self.pages.get(msg.get("sessionId", ""))
        method, params = msg.get("method"), msg.get("params", {})
        if page is not None and method:
            if method == "Runtime.consoleAPICalled":
                page.console.append({"type": params["type"], "args": [a.get("value") for a in params.get("args", [])]})
            elif method == "Runtime.exceptionThrown":
                page.exceptions.append(params)
            elif method == "Network.requestWillBeSent":
                page.requests.append(params["request"]["url"])
            elif method == "Log.entryAdded":
                page.log.append(params)
            elif method == "Page.javascriptDialogOpening":
                page.dialogs.append(params.get("message", ""))
                self.ws.send(json.dumps({"id": 0, "method": "Page.handleJavaScriptDialog",
                                         "params": {"accept": True}, "sessionId": msg["sessionId"]}))
            elif method == "Page.loadEventFired":
                page.log.append({"entry": {"level": "loaded"}})
        return dict(msg)

    def load(self, path: str | os.PathLike[str], width: int = 1280, height: int = 800) -> Page:
        """Open ``path`` (a local file) in a new tab of ``width`` x ``height`` CSS pixels and wait for it."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        url = Path(path).resolve().as_uri()
        page = self.pages[session] = Page(self, session, url)
        self.targets[session] = target
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable", {}, session)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session)
        self.call("Page.navigate", {"url": url}, session)
        deadline = time.monotonic() + _TIMEOUT
        while not any(e["entry"]["level"] == "loaded" for e in page.log):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not load in 60 s")
            self._receive()
        page.log = [e for e in page.log if e["entry"]["level"] != "loaded"]
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        return page

    def quit(self) -> None:
        try:
            if getattr(self, "ws", None) is not None:
                self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            shutil.rmtree(self.profile, ignore_errors=True)


def main(argv: list[str]) -> int:
    """``headless.py PAGE.html OUT.png [WIDTH HEIGHT [full]]``: a screenshot of the top of the page
    (of all of it with ``full``)."""
    browser, reason = chromium_or_skip_reason()
    if browser is None:
        print(reason, file=sys.stderr)
        return 1
    try:
        width, height = (int(argv[2]), int(argv[3])) if len(argv) >= 4 else (1280, 900)
        page = browser.load(argv[0], width, height)
        Path(argv[1]).write_bytes(page.screenshot(full=argv[4:5] == ["full"]))
        for problem in page.errors():
            print(problem, file=sys.stderr)
    finally:
        browser.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
