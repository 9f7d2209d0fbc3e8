"""`make lab`: JupyterLab on notebooks/ opens each chapter as a notebook.

One headless server for the module, started as `make lab` starts it (JupyterLab
from this environment, root dir notebooks/, the Jupyter config path led by
notebooks/.jupyter), on 127.0.0.1, a free port and a token. Jupytext's
contents manager (its server extension, enabled in the environment) serves
each NN_<chapter>.py as a notebook; without it the .py would come back as a
text file and the first test would fail.
"""

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LAB_CONFIG = NOTEBOOKS / ".jupyter"  # the Makefile's lab target puts it first on JUPYTER_CONFIG_PATH
START_TIMEOUT = 90  # seconds; the server takes about 3 s on an idle machine


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(base, token, path):
    req = urllib.request.Request(base + path, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lab")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ,
               JUPYTER_CONFIG_PATH=os.pathsep.join(
                   p for p in (str(LAB_CONFIG), os.environ.get("JUPYTER_CONFIG_PATH")) if p),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), IPYTHONDIR=str(tmp / "ipython"))
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={NOTEBOOKS}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # as the Makefile does
    log = tmp / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with status {proc.returncode} before answering; "
                            f"its log:\n{log.read_text()[-3000:]}")
            try:
                _get(base, token, "/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer on {base} within {START_TIMEOUT} s; "
                                f"its log:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        yield base, token, log
    finally:
        proc.send_signal(signal.SIGTERM)  # the server shuts its kernels down
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_each_chapter_opens_as_a_notebook_with_its_parameters_cell(lab):
    base, token, log = lab
    chapters = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    assert "01_hamel2010.py" in chapters
    for name in chapters:
        # what JupyterLab's notebook view asks for when it opens the file
        try:
            model = _get(base, token, f"/api/contents/{name}?type=notebook&content=1")
        except urllib.error.HTTPError as err:
            pytest.fail(f"{name}: the server did not serve it as a notebook ({err.code}: "
                        f"{err.read()[:300]!r}); is jupytext's server extension enabled? "
                        f"log:\n{log.read_text()[-2000:]}")
        assert model["type"] == "notebook", f"{name} came back as a {model['type']}"
        nb = model["content"]
        # read through jupytext, and saved back to the .py in the percent format
        assert nb["metadata"]["jupytext"]["text_representation"]["format_name"] == "percent"
        assert nb["metadata"]["kernelspec"]["name"] == "python3"
        tagged = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
        assert len(tagged) == 1, f"{name}: {len(tagged)} cells tagged parameters"
        assert "profile = " in tagged[0]["source"], f"{name}: no profile default"


def test_a_double_click_opens_python_files_as_notebooks(lab):
    base, token, _ = lab
    plugin = _get(base, token, "/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
    viewers = plugin["schema"]["properties"]["defaultViewers"]["default"]
    assert viewers.get("python") == "Jupytext Notebook", viewers


async def _run_in_kernel(base, token, code):
    """Start a python3 kernel through the server, run `code`, return its stdout."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    kernel = await asyncio.to_thread(_post, base, token, "/api/kernels", {"name": "python3"})
    session = uuid.uuid4().hex
    url = f"{base.replace('http', 'ws', 1)}/api/kernels/{kernel['id']}/channels?session_id={session}"
    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}))
    try:
        msg_id = uuid.uuid4().hex
        ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": session,
                       "username": "test", "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        out, status = [], None
        while status is None or not out:
            raw = await asyncio.wait_for(ws.read_message(), timeout=60)
            assert raw is not None, "the kernel's websocket closed"
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                return "".join(msg["content"]["traceback"])
            elif msg["msg_type"] == "execute_reply":
                status = msg["content"]["status"]
                if status != "ok":
                    break
        return "".join(out)
    finally:
        ws.close()
        await asyncio.to_thread(_delete, base, token, f"/api/kernels/{kernel['id']}")


def _post(base, token, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"token {token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.load(resp)


def _delete(base, token, path):
    req = urllib.request.Request(base + path, method="DELETE",
                                 headers={"Authorization": f"token {token}"})
    urllib.request.urlopen(req, timeout=30).close()


def test_the_kernel_is_this_environment_and_imports_mirnb(lab):
    base, token, _ = lab
    out = asyncio.run(_run_in_kernel(base, token, "import sys, mirnb; print(sys.prefix)"))
    assert out.strip() == sys.prefix, out
