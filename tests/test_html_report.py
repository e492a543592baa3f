"""The HTML report renders in a real browser (headless Chromium) with all its plots."""

import re
import shutil
import subprocess

import pytest

from conftest import MINI

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


def test_roc_points_match_scikit_learn():
    import numpy as np
    from sklearn.metrics import roc_curve

    from judgebench.reports._plots import roc_points

    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 60).astype(bool)
    s = rng.integers(0, 28, 60)
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    mine_f, mine_t = roc_points(y, s)
    assert np.allclose(mine_f, fpr) and np.allclose(mine_t, tpr)


def test_a_hostile_scale_name_is_escaped_in_html(judgebench, truth_server, tmp_path):
    import json as _json

    d = tmp_path / "evil"
    d.mkdir()
    (d / "task.yaml").write_text(
        "scale:\n  name: evil\n  title: \"<script>alert(1)</script>\"\n  max_total: 27\n  n_items: 9\n"
        "  cutoff: 10\n  bands: {low: 0, high: 10}\n")
    rows = [_json.loads(line) for line in open(MINI, encoding="utf-8")]
    (d / "s.jsonl").write_text("\n".join(_json.dumps(r) for r in rows) + "\n")
    srv = truth_server(str(d))
    out = tmp_path / "run"
    judgebench("run", "--task", str(d), "--model", "openai/m", "--api-base", srv.url, "--out", str(out), check=0)
    judgebench("report", str(out), "--format", "html", check=0)
    page = (out / "report.html").read_text()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
