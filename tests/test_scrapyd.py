"""Deploy to a real scrapyd on loopback, schedule the crawl, read the run's output."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from conftest import ROOT, read_jsonl
from fixture_site import FixtureSite, SiteServer

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, data: dict | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=30) as response:
        return json.loads(response.read())


def test_scrapyd_deploy_schedule_and_output(tmp_path):
    port = free_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {home}/eggs\nlogs_dir = {home}/logs\nitems_dir =\n"
        f"dbs_dir = {home}/dbs\njobs_to_keep = 5\nmax_proc = 1\npoll_interval = 0.5\n"
    )
    scrapyd = subprocess.Popen(
        [BIN / "scrapyd"], cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if call(f"{base}/daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                time.sleep(0.1)
        # deploy a copy of the project, its [deploy] target pointed at this scrapyd
        project = tmp_path / "project"
        shutil.copytree(ROOT / "arrahmah", project / "arrahmah")
        for name in ("pyproject.toml", "setup.py", "README.md"):
            shutil.copy(ROOT / name, project / name)
        cfg = (ROOT / "scrapy.cfg").read_text().replace("http://localhost:6800/", base + "/")
        (project / "scrapy.cfg").write_text(cfg)
        deploy = subprocess.run(
            [BIN / "scrapyd-deploy"], cwd=project, capture_output=True, text=True, timeout=300
        )
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        assert "arrahmah" in call(f"{base}/listprojects.json")["projects"]
        assert {"arrahmah", "article"} <= set(
            call(f"{base}/listspiders.json?project=arrahmah")["spiders"]
        )

        site = FixtureSite.from_fixtures(per_page=5)
        data = tmp_path / "data"
        with SiteServer(site) as server:
            body = urllib.parse.urlencode(
                [
                    ("project", "arrahmah"),
                    ("spider", "arrahmah"),
                    ("setting", f"ARRAHMAH_BASE_URL={server.base_url}"),
                    ("setting", f"ARRAHMAH_DATA_DIR={data}"),
                    ("setting", "AUTOTHROTTLE_ENABLED=False"),
                    ("setting", "DOWNLOAD_DELAY=0"),
                ]
            ).encode()
            with urllib.request.urlopen(f"{base}/schedule.json", data=body, timeout=30) as r:
                job = json.loads(r.read())  # settings repeat a key: not a dict for call()
            assert job["status"] == "ok", job
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                jobs = call(f"{base}/listjobs.json?project=arrahmah")
                if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                    break
                time.sleep(0.5)
            else:
                raise AssertionError(f"the scheduled job did not finish: {jobs}")
        (run_file,) = (data / "runs").glob("*.jsonl")
        items = read_jsonl(run_file)
        assert sorted(i["post_id"] for i in items) == sorted(p.post_id for p in site.posts)
        (log,) = (home / "logs" / "arrahmah" / "arrahmah").glob("*.log")
        assert "page worker" not in log.read_text("utf-8")  # it ran from the egg too
    finally:
        scrapyd.terminate()
        scrapyd.wait(timeout=30)
