"""The HTML report renders in a real browser (headless Chromium) with all its plots."""

import re
import shutil
import subprocess

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _demo_run(judgebench, truth_server, tmp_path):
    from conftest import MINI

    srv = truth_server(bias={"zh": 2})
    out = tmp_path / "run"
    judgebench("run", "--task", MINI, "--model", "openai/x", "--api-base", srv.url, "--out", str(out), check=0)
    return out


def test_html_report_is_self_contained(judgebench, truth_server, tmp_path):
    out = _demo_run(judgebench, truth_server, tmp_path)
    proc = judgebench("report", str(out), "--format", "html", check=0)
    page = (out / "report.html").read_text()
    assert proc.stdout.strip() == str(out / "report.html")
    assert page.count("<img class='plot' src='data:image/png;base64,") == 5
    # nothing to fetch from a network: no external src/href
    assert not re.search(r"""(src|href)=['"]https?:""", page)
    for heading in ("Predicted vs true", "Bland–Altman", "Signed gap", "ROC", "Band confusion", "Coverage"):
        assert heading in page


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian package 'chromium'; .ci/run installs it)")
def test_html_report_renders_in_chromium(judgebench, truth_server, tmp_path):
    out = _demo_run(judgebench, truth_server, tmp_path)
    judgebench("report", str(out), "--format", "html", "--output", str(tmp_path / "r.html"), check=0)
    url = (tmp_path / "r.html").as_uri()
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
                          "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert 'data-plots="5"' in body and 'data-plots-rendered="5"' in body, body
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile2'}", "--window-size=1200,1600",
                    f"--screenshot={shot}", url], capture_output=True, timeout=120)
    assert shot.stat().st_size > 20_000  # a blank page is a few KB
