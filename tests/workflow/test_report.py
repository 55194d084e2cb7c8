"""`snakemake --report` after a real run: figures, the summary table, and a real browser
rendering it.

One real run (module fixture) on a small two-frequency synthetic sky given as a
`files` dataset: 320x320 px at 560 and 1400 MHz, so that the whole DAG (PyBDSF,
classifier, ska-sdc) takes about a minute on 2 cores and still yields 15 report
figures (7 per frequency and the spectral-index figure). The synthetic default
(1024^2, 2560^2 and 8192^2 px) takes about 20 minutes; the small real cutout has one frequency,
so only 7 figures.

The report is a single HTML file whose page is built by JavaScript, so it is
opened in Debian's headless chromium: the DOM after the scripts ran must hold
the report's menu, and screenshots of the landing page and of a figure must not
be blank. Without chromium those tests skip, unless REPORT_TESTS_REQUIRED=1
(CI: .ci/run installs chromium), where they fail.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdc1.figures import FIGURE_NAMES
from tests.helpers import POPULATION_PARAMS
from tests.workflow.conftest import deploy_workflow, snakemake

pytestmark = pytest.mark.workflow

DATASET = "report_small"
FREQUENCIES = (560, 1400)
SIZE_PX = 320
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WINDOW = (1280, 2000)
# The report's menu (left) is about 256 px wide at this window size; results show to its right.
MENU_PX = 270


def run_config(workdir: Path) -> Path:
    """Simulate the inputs into ``workdir/inputs`` and write the config naming them."""
    from sdc1.simulate.dataset import write_synthetic_field

    inputs = workdir / "inputs"
    inputs.mkdir()
    roles = {"images": "{f}.fits", "pb": "{f}_pb.fits", "truth": "{f}.txt"}
    for freq in FREQUENCIES:
        write_synthetic_field(
            freq,
            sizes_px=SIZE_PX,
            depth_h=1000,
            seed=20190219,
            population_params=POPULATION_PARAMS,
            image_path=inputs / f"{freq}.fits",
            pb_path=inputs / f"{freq}_pb.fits",
            truth_path=inputs / f"{freq}.txt",
        )
    dataset = {"kind": "files"}
    for role, name in roles.items():
        dataset[role] = {freq: f"inputs/{name.format(f=freq)}" for freq in FREQUENCIES}
    config = workdir / "report_test.yaml"
    # Fewer trees: the classifier is not what this test is about.
    config.write_text(
        json.dumps(
            {
                "dataset": DATASET,
                "datasets": {DATASET: dataset},
                "classifier": {"n_estimators": 50},
            }
        )
    )
    return config


@pytest.fixture(scope="module")
def report_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Workflow directory after a full run and `snakemake --report report.html`."""
    workdir = deploy_workflow(tmp_path_factory.mktemp("report") / "wf")
    config = run_config(workdir)
    snakemake(workdir, "--cores", "2", "--configfile", str(config))
    snakemake(workdir, "--configfile", str(config), "--report", "report.html")
    return workdir


def report_entries(html: str) -> dict[str, tuple[str, bytes]]:
    """Every result embedded in a Snakemake report: path -> (MIME type, decoded bytes)."""
    entries = {}
    for match in re.finditer(r'"([^"]+)": \{"name": "[^"]*", "filename": ', html):
        start = html.index('"data_uri": "', match.end()) + len('"data_uri": "')
        header, _, payload = html[start : html.index('"', start)].partition(",")
        assert header.startswith("data:") and header.endswith(";base64"), header[:80]
        entries[match.group(1)] = (header[5:].split(";")[0], base64.b64decode(payload))
    return entries


def test_report_has_figures_and_summary_table(report_run: Path) -> None:
    report = report_run / "report.html"
    entries = report_entries(report.read_text())
    figures = {
        path: data
        for path, (mime, data) in entries.items()
        if "/figures/" in path and mime == "image/png"
    }
    assert len(figures) >= 10, sorted(entries)
    assert len(figures) == len(FIGURE_NAMES) * len(FREQUENCIES) + 1
    assert f"results/{DATASET}/figures/spectral_index.png" in figures
    for path, data in figures.items():
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000, path
    # The catalogues for astronomers' tools are in the report too, each frequency's four.
    for freq in FREQUENCIES:
        _, fits_bytes = entries[f"results/{DATASET}/export/{freq}mhz.fits"]
        assert fits_bytes.startswith(b"SIMPLE  =")
        _, votable = entries[f"results/{DATASET}/export/{freq}mhz.vot"]
        assert b"<VOTABLE" in votable and b'ucd="pos.eq.ra;meta.main"' in votable
        _, ecsv = entries[f"results/{DATASET}/export/{freq}mhz.ecsv"]
        assert ecsv.startswith(b"# %ECSV") and b"unit: Jy" in ecsv
        _, regions = entries[f"results/{DATASET}/export/{freq}mhz.reg"]
        assert regions.startswith(b"# Region file format: DS9")

    mime, data = entries[f"results/{DATASET}/summary.html"]
    summary = data.decode()
    assert mime == "text/html"
    assert "Scores by frequency" in summary and "Stages" in summary
    assert summary.count("<table") == 2
    for freq in FREQUENCIES:
        assert re.search(rf"<td>{freq}</td>", summary), f"no {freq} MHz row"

    # The summary ran after the figure jobs: their timings are in its stage table.
    stages = {
        row["stage"]: row
        for row in json.loads((report_run / f"results/{DATASET}/summary.json").read_text())[
            "stages"
        ]
    }
    assert stages["figures"]["jobs"] == len(FREQUENCIES)
    assert stages["spectral_figure"]["jobs"] == 1
    # The default tiling keeps these small images whole: one tile each.
    assert stages["find_sources_tile"]["jobs"] == len(FREQUENCIES)
    assert stages["plan_tiles"]["jobs"] == stages["merge_tiles"]["jobs"] == len(FREQUENCIES)


def test_long_steps_log_progress(report_run: Path) -> None:
    for freq in FREQUENCIES:
        log = (
            report_run / f"logs/{DATASET}/find_sources_tile/{freq}_r00000c00000.log"
        ).read_text()
        assert re.search(r"tile r0+c0+ \(1 of 1\)", log), log[:500]
        assert re.search(r"PyBDSF: islands fitted: (\d+)/\1 \(100%\)", log), log[-2000:]


# --------------------------------------------------------------------------- in a browser


def test_a_trained_model_classifies_images_without_truth(report_run: Path) -> None:
    """The run's trained models, applied to the same images given without truth, as an
    astronomer's own images would be (`classifier.model`): forest probabilities, not the
    all-SFG fallback of a dataset without truth."""
    model_folder = f"results/{DATASET}/model"
    cards = {
        freq: json.loads((report_run / model_folder / f"{freq}mhz.json").read_text())
        for freq in FREQUENCIES
    }
    images = ", ".join(f"{f}: inputs/{f}.fits" for f in FREQUENCIES)
    beams = ", ".join(f"{f}: inputs/{f}_pb.fits" for f in FREQUENCIES)
    snakemake(
        report_run,
        "--cores",
        "2",
        "--config",
        "dataset=mine",
        f"datasets={{mine: {{kind: files, images: {{{images}}}, pb: {{{beams}}}}}}}",
        f"classifier={{model: {model_folder}}}",
    )
    assert not (report_run / "benchmarks" / "mine" / "train").exists()
    for freq in FREQUENCIES:
        assert cards[freq]["dataset"] == DATASET and cards[freq]["needs"]["multi"]
        assert (report_run / "benchmarks" / "mine" / "apply_model" / f"{freq}.tsv").exists()
        predictions = pd.read_csv(
            report_run / "results" / "mine" / "predictions" / f"{freq}mhz.csv"
        )
        probabilities = predictions[[f"p{c}_multi" for c in (1, 2, 3)]].to_numpy(float)
        assert len(probabilities) > 20
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
        if cards[freq]["fallback"] is None:
            # Classes from the forest: more than one gets probability (this small field's
            # training labels need not hold all three), and SFG is not certain everywhere.
            assert (probabilities > 0).any(axis=0).sum() >= 2, freq
            assert ((probabilities[:, 2] > 0.01) & (probabilities[:, 2] < 0.99)).any(), freq
    # No truth, no score.
    assert not (report_run / "results" / "mine" / "scores").exists()
    fallbacks = [freq for freq in FREQUENCIES if cards[freq]["fallback"] is not None]
    assert len(fallbacks) < len(FREQUENCIES), "no frequency with a trained classifier"


@pytest.fixture(scope="module")
def chromium() -> str:
    return find_chromium()


def find_chromium() -> str:
    """The browser's path; skips (fails where REPORT_TESTS_REQUIRED=1) when there is none."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    reason = "headless chromium not found (Debian/Ubuntu: apt-get install chromium)"
    if os.environ.get("REPORT_TESTS_REQUIRED") == "1":
        pytest.fail(f"{reason}; REPORT_TESTS_REQUIRED=1 says the report must be rendered")
    pytest.skip(reason)


def chromium_run(
    chromium: str, page: Path, profile: Path, *args: str
) -> subprocess.CompletedProcess:
    """Open ``page`` in headless chromium; scripts get 10 s of virtual time to build the page."""
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--virtual-time-budget=10000",
        *args,
        page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stderr[-3000:]}"
    return result


def screenshot(chromium: str, page: Path, png: Path) -> np.ndarray:
    """A screenshot of ``page`` as an (rows, columns, 3) uint8 array."""
    from matplotlib.image import imread

    chromium_run(chromium, page, png.with_suffix(".profile"), f"--screenshot={png}")
    pixels = imread(png)
    return np.round(pixels[..., :3] * 255).astype(np.uint8)


def pixel_stats(rgb: np.ndarray) -> tuple[int, float]:
    """(distinct colours, fraction of pixels that stand out from the background).

    The background is the most common colour; a pixel stands out where a channel
    differs from it by more than 24 (text, lines, image pixels; not the faint
    tint of a panel). A blank page gives (1, 0.0).
    """
    flat = rgb.reshape(-1, 3)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    background = colours[counts.argmax()].astype(int)
    inked = (np.abs(flat.astype(int) - background).max(axis=1) > 24).mean()
    return len(colours), float(inked)


def without_scripts(html: str) -> str:
    return re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.DOTALL | re.IGNORECASE)


def showing(report: Path, out: Path, result: str, category: str, content: str) -> Path:
    """A copy of the report that opens on one result, as a click in its menu does."""
    script = (
        "<script>window.addEventListener('load', () => setTimeout(() => {"
        f"const key = {json.dumps(result)}; app.showCategory({json.dumps(category)});"
        f"app.setView({{content: {json.dumps(content)}, "
        "contentPath: results[key].data_uri, resultPath: key});"
        "}, 200));</script>"
    )
    head, body_end, tail = report.read_text().rpartition("</body>")
    out.write_text(head + script + body_end + tail)
    return out


def test_report_renders_in_chromium(report_run: Path, chromium: str, tmp_path: Path) -> None:
    report = report_run / "report.html"
    # The page is built by the report's scripts: the menu is not in the file's markup...
    static = without_scripts(report.read_text())
    assert "Source finding" not in static
    # ...but is in the DOM once chromium has run them.
    dom = without_scripts(
        chromium_run(chromium, report, tmp_path / "dom.profile", "--dump-dom").stdout
    )
    for text in (
        "Snakemake",
        "Workflow",
        "Statistics",
        "Classification",
        "Source finding",
        "Summary",
    ):
        assert text in dom, f"{text!r} not rendered"

    landing = screenshot(chromium, report, tmp_path / "landing.png")
    assert landing.shape == (WINDOW[1], WINDOW[0], 3)
    colours, inked = pixel_stats(landing)
    print(f"landing page: {colours} colours, {inked:.4f} inked")
    assert colours >= 100 and 0.005 < inked < 0.9, (colours, inked)

    figure = showing(
        report,
        tmp_path / "figure.html",
        f"results/{DATASET}/figures/560mhz_image.png",
        "Source finding",
        "img",
    )
    shot = screenshot(chromium, figure, tmp_path / "figure.png")
    colours, inked = pixel_stats(shot[:, MENU_PX:])
    print(f"figure view, right of the menu: {colours} colours, {inked:.4f} inked")
    assert colours >= 1000 and inked > 0.02, (colours, inked)

    summary = showing(
        report, tmp_path / "summary.html", f"results/{DATASET}/summary.html", "Summary", "html"
    )
    shot = screenshot(chromium, summary, tmp_path / "summary.png")
    colours, inked = pixel_stats(shot[:, MENU_PX:])
    print(f"summary view, right of the menu: {colours} colours, {inked:.4f} inked")
    assert colours >= 30 and inked > 0.005, (colours, inked)


@pytest.fixture
def served_view(report_run: Path):
    """The 560 MHz view (rule `view`, Aladin Lite by npm ci) served on a free local port;
    yields (url, requested paths)."""
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    config = report_run / "report_test.yaml"
    folder = f"results/{DATASET}/view/560mhz"
    snakemake(report_run, folder, "--cores", "2", "--configfile", str(config))
    requested: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args) -> None:
            requested.append(self.path.split("?")[0])

    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(Handler, directory=str(report_run / folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/index.html", requested
    finally:
        server.shutdown()
        server.server_close()


def browse(chromium: str, url: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Open ``url`` in headless chromium with WebGL 2 (SwiftShader) and no network beyond
    127.0.0.1: every other host name fails to resolve."""
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
        "--virtual-time-budget=30000",
        *args,
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stderr[-3000:]}"
    return result


def test_view_shows_the_catalogue_on_the_image_offline(
    report_run: Path, chromium: str, served_view, tmp_path: Path
) -> None:
    url, requested = served_view
    predictions = pd.read_csv(report_run / "results" / DATASET / "predictions" / "560mhz.csv")
    # The page's self-test: once the image and layers are in, it moves the mouse onto the
    # source nearest the centre and clicks it, as a user would, and reports what it shows.
    dom = browse(chromium, f"{url}?selftest=1", tmp_path / "dom.profile", "--dump-dom").stdout
    found = re.search(r'<pre id="selftest">(.*?)</pre>', dom, flags=re.DOTALL)
    assert found, dom[-3000:]
    report = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert report["image"] == "loaded"
    assert report["sources_in_layers"] == len(predictions)
    popup = report["popup"]
    clicked = predictions.set_index("id").loc[report["clicked_id"]]
    assert f"id\t{report['clicked_id']}" in popup, popup
    assert "flux [Jy]" in popup and "p_sfg" in popup and "truth" in popup, popup
    assert f"{clicked['dec_core']:.4f}"[:-1] in popup, (clicked["dec_core"], popup)
    # Only the folder's files were asked for: no CDN, survey, log or SAMP request.
    assert set(requested) <= {"/index.html", "/sources.js", "/aladin.js", "/image.fits"} | {
        "/favicon.ico"
    }, requested
    assert {"/aladin.js", "/image.fits", "/sources.js"} <= set(requested)

    png = tmp_path / "view.png"
    browse(chromium, url, tmp_path / "shot.profile", f"--screenshot={png}")
    from matplotlib.image import imread

    shot = np.round(imread(png)[..., :3] * 255).astype(np.uint8)
    # The image area (below the title bar, above the status line) holds the sky and markers.
    colours, inked = pixel_stats(shot[80:700, 60:1220])
    print(f"view: {colours} colours, {inked:.4f} inked")
    assert colours >= 200 and inked > 0.02, (colours, inked)


def test_sdc1_view_writes_the_same_view_from_the_command_line(
    report_run: Path, tmp_path: Path
) -> None:
    sdc1 = Path(sys.executable).with_name("sdc1")
    config = report_run / "report_test.yaml"
    aladin = "node_modules/aladin-lite/dist/aladin.js"
    snakemake(report_run, aladin, "--cores", "1", "--configfile", str(config))
    out = tmp_path / "view"
    result = subprocess.run(
        [str(sdc1), "view", DATASET, "1400", "--run", str(report_run), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    predictions = pd.read_csv(report_run / "results" / DATASET / "predictions" / "1400mhz.csv")
    assert f"{len(predictions)} sources" in result.stdout
    data = json.loads((out / "sources.js").read_text().split("=", 1)[1].rstrip(";\n"))
    assert data["meta"]["n_sources"] == len(predictions)
    assert (out / "aladin.js").stat().st_size > 1_000_000
    # A run without the frequency: one line naming the missing file.
    missing = subprocess.run(
        [str(sdc1), "view", DATASET, "9200", "--run", str(report_run)],
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0
    assert "9200mhz.fits: missing; run the workflow for report_small first" in missing.stderr
