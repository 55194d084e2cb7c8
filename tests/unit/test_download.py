"""Tests of sdc1.download against a local HTTP server on 127.0.0.1 (no outside network)."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from sdc1.download import (
    FetchError,
    ManifestEntry,
    fetch_file,
    find_entry,
    load_manifest,
    parse_manifest,
    part_path,
    read_sidecar,
    select_entries,
)
from sdc1.errors import InputError

# The server never outlives a test by more than this, even if a test hangs.
SERVER_LIFETIME_S = 30.0


@dataclass
class ServerState:
    """What the test server serves and what it saw."""

    root: Path
    #: file name -> byte count after which the next response is cut off (one-shot).
    drop_after: dict[str, int] = field(default_factory=dict)
    #: (path, Range header or None) for every GET.
    requests: list[tuple[str, str | None]] = field(default_factory=list)


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves files from ``state.root``, honouring ``Range: bytes=N-``."""

    # A stuck client cannot hold a handler thread for long.
    timeout = 5
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        state: ServerState = self.server.state  # type: ignore[attr-defined]
        name = self.path.lstrip("/")
        range_header = self.headers.get("Range")
        state.requests.append((name, range_header))
        path = state.root / name
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start = 0
        if range_header:
            start = int(range_header.removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        cut = state.drop_after.pop(name, None)
        if cut is not None:
            # Promise the whole body, send part of it, hang up: a dropped connection.
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # keep pytest output clean


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, ServerState]]:
    """A threaded HTTP server on 127.0.0.1 serving ``tmp_path/'served'``; yields
    (base URL, state)."""
    state = ServerState(root=tmp_path / "served")
    state.root.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    httpd.daemon_threads = True
    httpd.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    watchdog = threading.Timer(SERVER_LIFETIME_S, httpd.shutdown)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", state
    finally:
        watchdog.cancel()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def publish(state: ServerState, name: str, data: bytes) -> None:
    (state.root / name).write_bytes(data)


def entry_for(base_url: str, name: str, data: bytes | None, **changes: object) -> ManifestEntry:
    """A manifest entry for ``name`` on the test server; size/md5 from ``data`` unless None."""
    entry = ManifestEntry(
        name=name,
        url=f"{base_url}/{name}",
        dataset="test",
        role="image",
        size=None if data is None else len(data),
        md5=None if data is None else hashlib.md5(data).hexdigest(),
    )
    return replace(entry, **changes)


def payload(n: int = 200_000) -> bytes:
    return bytes((i * 7 + i // 251) % 256 for i in range(n))


FAST = {"backoff_s": 0.01, "timeout_s": 5.0, "chunk_size": 4096}


def test_interrupted_download_resumes_from_part_with_range(server, tmp_path: Path) -> None:
    base, state = server
    data = payload()
    publish(state, "img.fits", data)
    state.drop_after["img.fits"] = 80_000
    entry = entry_for(base, "img.fits", data)
    dest = tmp_path / "out" / "560mhz.fits"

    # First call: the connection drops and no retry is allowed.
    with pytest.raises(FetchError) as info:
        fetch_file(entry, dest, retries=0, **FAST)
    assert "img.fits" in str(info.value) or "560mhz.fits" in str(info.value)
    assert "\n" not in str(info.value)
    assert not dest.exists()
    part = part_path(dest)
    assert 0 < part.stat().st_size < len(data)
    assert [p.name for p in dest.parent.iterdir()] == [part.name]  # nothing else left behind
    kept = part.stat().st_size

    # Second call continues the part file with a Range request.
    fetch_file(entry, dest, retries=0, progress=True, **FAST)
    assert dest.read_bytes() == data
    assert not part.exists()
    assert state.requests[-1] == ("img.fits", f"bytes={kept}-")


def test_dropped_connection_is_retried_and_resumed_within_one_call(server, tmp_path: Path) -> None:
    base, state = server
    data = payload()
    publish(state, "img.fits", data)
    state.drop_after["img.fits"] = 50_000
    dest = tmp_path / "img.fits"
    fetch_file(entry_for(base, "img.fits", data), dest, retries=2, **FAST)
    assert dest.read_bytes() == data
    assert [r for _, r in state.requests][0] is None
    assert state.requests[-1][1] is not None and state.requests[-1][1].startswith("bytes=")


def test_complete_part_file_is_finished_without_downloading_again(server, tmp_path: Path) -> None:
    # A run killed after the last byte but before the rename leaves a whole .part.
    base, state = server
    data = payload(30_000)
    publish(state, "img.fits", data)
    dest = tmp_path / "img.fits"
    part_path(dest).write_bytes(data)
    fetch_file(entry_for(base, "img.fits", data), dest, **FAST)
    assert dest.read_bytes() == data
    assert state.requests == [("img.fits", f"bytes={len(data)}-")]


def test_server_serving_the_wrong_size_is_reported(server, tmp_path: Path) -> None:
    base, state = server
    data = payload(30_000)
    publish(state, "img.fits", data)
    entry = entry_for(base, "img.fits", data, size=len(data) + 5)
    dest = tmp_path / "img.fits"
    with pytest.raises(InputError, match=r"img\.fits: .* serves 30000 bytes, expected 30005"):
        fetch_file(entry, dest, **FAST)
    assert not dest.exists() and not part_path(dest).exists()


def test_corrupted_final_file_is_detected_and_fetched_again(server, tmp_path: Path) -> None:
    base, state = server
    data = payload(50_000)
    publish(state, "pb.fits", data)
    entry = entry_for(base, "pb.fits", data)
    dest = tmp_path / "pb.fits"
    fetch_file(entry, dest, **FAST)
    # Same size, one flipped byte: only the md5 can tell.
    corrupted = bytearray(data)
    corrupted[1234] ^= 0xFF
    dest.write_bytes(bytes(corrupted))
    fetch_file(entry, dest, **FAST)
    assert dest.read_bytes() == data
    assert len(state.requests) == 2


def test_good_final_file_is_not_fetched_again(server, tmp_path: Path) -> None:
    base, state = server
    data = payload(20_000)
    publish(state, "cat.txt", data)
    entry = entry_for(base, "cat.txt", data)
    dest = tmp_path / "cat.txt"
    fetch_file(entry, dest, **FAST)
    fetch_file(entry, dest, **FAST)
    assert len(state.requests) == 1


def test_checksum_mismatch_is_one_clear_line_and_leaves_no_file(server, tmp_path: Path) -> None:
    base, state = server
    data = payload(30_000)
    publish(state, "truth.txt", data)
    wrong_md5 = "0" * 32
    entry = entry_for(base, "truth.txt", data, md5=wrong_md5)
    dest = tmp_path / "truth.txt"
    with pytest.raises(InputError) as info:
        fetch_file(entry, dest, **FAST)
    message = str(info.value)
    assert "\n" not in message
    assert "truth.txt" in message
    assert wrong_md5 in message and hashlib.md5(data).hexdigest() in message
    assert entry.url in message
    assert not dest.exists()
    assert not part_path(dest).exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "served"] == []


def test_unknown_md5_is_recorded_and_checked_later(server, tmp_path: Path) -> None:
    base, state = server
    data = payload(10_000)
    publish(state, "beam.fits", data)
    entry = entry_for(base, "beam.fits", None)
    dest = tmp_path / "beam.fits"
    fetch_file(entry, dest, **FAST)
    record = read_sidecar(dest)
    assert record is not None
    assert record["md5"] == hashlib.md5(data).hexdigest() and record["size"] == len(data)
    # A later corruption is caught against the record and repaired.
    dest.write_bytes(b"x" * len(data))
    fetch_file(entry, dest, **FAST)
    assert dest.read_bytes() == data
    assert len(state.requests) == 2


def test_mirror_is_tried_first(server, tmp_path: Path) -> None:
    base, state = server
    data = payload(10_000)
    mirror = tmp_path / "mirror"
    (mirror / "sub").mkdir(parents=True)
    (mirror / "sub" / "TrainingSet.txt").write_bytes(data)
    entry = entry_for(base, "TrainingSet.txt", data, mirror_path="sub/TrainingSet.txt")
    dest = tmp_path / "out" / "560mhz.txt"
    fetch_file(entry, dest, mirror=mirror, **FAST)
    assert dest.read_bytes() == data
    assert state.requests == []  # nothing was downloaded


def test_bad_mirror_copy_is_an_error_naming_the_file(server, tmp_path: Path) -> None:
    base, _ = server
    data = payload(10_000)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "img.fits").write_bytes(data[:-1] + b"\0")
    entry = entry_for(base, "img.fits", data)
    dest = tmp_path / "img.fits"
    with pytest.raises(InputError, match=r"img\.fits.*md5 mismatch") as info:
        fetch_file(entry, dest, mirror=mirror, **FAST)
    assert "\n" not in str(info.value)
    assert not dest.exists()


def test_missing_from_mirror_falls_back_to_url(server, tmp_path: Path) -> None:
    base, state = server
    data = payload(10_000)
    publish(state, "img.fits", data)
    (tmp_path / "mirror").mkdir()
    dest = tmp_path / "img.fits"
    fetch_file(entry_for(base, "img.fits", data), dest, mirror=tmp_path / "mirror", **FAST)
    assert dest.read_bytes() == data
    assert len(state.requests) == 1


def test_unreachable_url_falls_back_to_alt_url(server, tmp_path: Path) -> None:
    base, state = server
    data = payload(10_000)
    publish(state, "img.fits", data)
    entry = entry_for(
        base, "img.fits", data, url=f"{base}/missing.fits", alt_urls=(f"{base}/img.fits",)
    )
    dest = tmp_path / "img.fits"
    fetch_file(entry, dest, **FAST)
    assert dest.read_bytes() == data


def test_http_error_is_reported_in_one_line(server, tmp_path: Path) -> None:
    base, _ = server
    entry = entry_for(base, "nothing.fits", b"abc")
    with pytest.raises(FetchError, match="404") as info:
        fetch_file(entry, tmp_path / "nothing.fits", **FAST)
    assert "\n" not in str(info.value) and "nothing.fits" in str(info.value)


def test_shipped_manifest_parses_and_every_entry_has_name_and_url() -> None:
    manifest = load_manifest()
    assert {"sdc1", "sdc1_cutout"} <= manifest.keys()
    for section in manifest.values():
        for name, entry in section.items():
            assert entry.name == name and entry.url.startswith("https://")
            assert entry.md5 is None or len(entry.md5) == 32
    sdc1 = manifest["sdc1"]
    images = [e for e in sdc1.values() if e.role == "image"]
    assert sorted(e.name for e in images) == sorted(
        f"SKAMid_B{b}_{d}h_v2.fits" for b in (1, 2, 5) for d in (8, 100, 1000)
    )
    for band in (1, 2, 5):
        for stem in ("PrimaryBeam_B{}.fits", "SynthesBeam_B{}.fits", "TrainingSet_B{}_v2_ML.txt"):
            assert stem.format(band) in sdc1
    # The cutout's primary-beam piece shares the official file's name, not its checksum.
    assert manifest["sdc1_cutout"]["PrimaryBeam_B1.fits"].md5 == "9ccafb2378ec42bd5ffa869f1f98a6fb"
    assert manifest["sdc1"]["PrimaryBeam_B1.fits"].md5 is None


def test_selection_by_frequency_and_depth() -> None:
    manifest = load_manifest()
    chosen = select_entries(manifest, "sdc1", freq_mhz=1400, depth_h=100)
    assert {e.role for e in chosen} == {
        "image",
        "primary_beam",
        "synthesised_beam",
        "training_truth",
        "full_truth",
    }
    assert [e.name for e in chosen if e.role == "image"] == ["SKAMid_B2_100h_v2.fits"]
    image = find_entry(
        manifest, "sdc1_cutout", role="image", freq_mhz=560, name="B1_1000h_0.05tr.fits"
    )
    assert image.size == 123840
    with pytest.raises(InputError, match="2 entries"):
        find_entry(manifest, "sdc1_cutout", role="image", freq_mhz=560)
    with pytest.raises(InputError, match="no dataset kind 'nope'"):
        select_entries(manifest, "nope")


def test_malformed_manifest_names_the_key() -> None:
    with pytest.raises(InputError, match=r"datasets\.sdc1\.a\.fits: 'md5'"):
        parse_manifest(
            {
                "datasets": {
                    "sdc1": [{"name": "a.fits", "url": "http://x", "role": "image", "md5": "xyz"}]
                }
            }
        )
    with pytest.raises(InputError, match="unknown key"):
        parse_manifest(
            {"datasets": {"sdc1": [{"name": "a", "url": "u", "role": "image", "sha": 1}]}}
        )


def test_real_cutouts_match_their_manifest_checksums(sdc1_sample: Path, tmp_path: Path) -> None:
    manifest = load_manifest()
    for entry in manifest["sdc1_cutout"].values():
        dest = fetch_file(entry, tmp_path / entry.name, mirror=sdc1_sample)
        assert dest.stat().st_size == entry.size
