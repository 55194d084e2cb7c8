"""Fetching the SDC1 input files: manifest, local mirror, resumable checked downloads.

The manifest (``resources/sdc1_manifest.yaml``) lists every published file per
dataset kind with its URL and, where known, size and md5. :func:`fetch_file`
puts one entry at a destination path:

1. an existing destination file is kept only if it passes the size/md5 check;
   a corrupted one is removed and fetched again;
2. a mirror folder, when given, is tried first (copied, then checked);
3. otherwise the file is downloaded with pooch, through
   :class:`ResumableDownloader`, which streams into ``<dest>.part`` and
   continues an interrupted transfer with an HTTP ``Range`` request, retrying
   network failures with exponential backoff.

A file is renamed to its final name only after its checks pass, so a bad or
partial file never sits under the final name: at most ``<dest>.part`` is left,
and the next call resumes it. Where the manifest gives no md5, the size and
md5 of the first good copy are recorded in ``<dest>.md5.json`` and later calls
check against them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pooch
import requests
import yaml

from sdc1.errors import InputError
from sdc1.io import atomic_path

log = logging.getLogger(__name__)

#: Roles a manifest entry may have.
ROLES: tuple[str, ...] = (
    "image",
    "primary_beam",
    "synthesised_beam",
    "training_truth",
    "full_truth",
    "truth",
)

_MD5_PATTERN = re.compile(r"^[0-9a-f]{32}$")
_ENTRY_KEYS = frozenset(
    {
        "name",
        "url",
        "alt_urls",
        "role",
        "freq_mhz",
        "depth_h",
        "size",
        "md5",
        "mirror_path",
        "header_lines",
    }
)
# HTTP statuses worth another try: the server or a proxy may recover.
_TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class FetchError(InputError):
    """A file could not be fetched (network failure, HTTP error); one-line message."""


@dataclasses.dataclass(frozen=True)
class ManifestEntry:
    """One published file of a dataset kind.

    Attributes
    ----------
    name : str
        Published file name; unique within its manifest section.
    url : str
        First URL tried.
    dataset : str
        The manifest section (dataset kind) the entry belongs to.
    role : str
        One of :data:`ROLES`.
    freq_mhz : int or None
        Frequency the file belongs to; ``None`` for any.
    depth_h : int or None
        Integration depth of an image; ``None`` for any.
    size : int or None
        Expected size in bytes, ``None`` where unknown.
    md5 : str or None
        Expected md5 (lower-case hex), ``None`` where unknown.
    alt_urls : tuple of str
        Further URLs, tried in order when the previous one cannot be reached.
    mirror_path : str or None
        Path inside a mirror folder, when it differs from ``name``.
    header_lines : int
        Lines before the data rows (catalogues).
    """

    name: str
    url: str
    dataset: str
    role: str
    freq_mhz: int | None = None
    depth_h: int | None = None
    size: int | None = None
    md5: str | None = None
    alt_urls: tuple[str, ...] = ()
    mirror_path: str | None = None
    header_lines: int = 0

    @property
    def urls(self) -> tuple[str, ...]:
        """All URLs, in the order they are tried."""
        return (self.url, *self.alt_urls)


# --------------------------------------------------------------------------- manifest


def default_manifest_path() -> Path:
    """Return the manifest shipped with the library.

    ``sdc1/data/sdc1_manifest.yaml`` is the workflow's ``resources/sdc1_manifest.yaml`` (a
    link in the source tree, a copy in an installed package), so that an install without
    the repository (``pip install .``, the container image) finds it too.
    """
    return Path(str(resources.files("sdc1") / "data" / "sdc1_manifest.yaml"))


def _optional_int(value: Any, where: str, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{where}: '{key}' must be a non-negative integer or null, not {value!r}")
    return value


def _parse_entry(raw: Any, dataset: str, index: int, source: str) -> ManifestEntry:
    """Turn one manifest mapping into a :class:`ManifestEntry`, checking every key."""
    where = f"{source}: datasets.{dataset}[{index}]"
    if not isinstance(raw, Mapping):
        raise InputError(f"{where}: an entry must be a mapping, not {type(raw).__name__}")
    unknown = sorted(set(raw) - _ENTRY_KEYS)
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)}")
    for key in ("name", "url", "role"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise InputError(f"{where}: '{key}' is missing or not a string")
    where = f"{source}: datasets.{dataset}.{raw['name']}"
    if raw["role"] not in ROLES:
        raise InputError(f"{where}: role {raw['role']!r} is not one of {', '.join(ROLES)}")
    md5 = raw.get("md5")
    if md5 is not None and (not isinstance(md5, str) or not _MD5_PATTERN.match(md5.lower())):
        raise InputError(f"{where}: 'md5' must be 32 hex digits or null, not {md5!r}")
    alt_urls = raw.get("alt_urls") or []
    if not isinstance(alt_urls, list) or not all(isinstance(u, str) and u for u in alt_urls):
        raise InputError(f"{where}: 'alt_urls' must be a list of URLs")
    if alt_urls and md5 is None:
        # A part file begun from one URL may be resumed from another; only an
        # md5 can tell whether the two servers' bytes belong to the same file.
        raise InputError(f"{where}: 'alt_urls' need a known 'md5'")
    return ManifestEntry(
        name=raw["name"],
        url=raw["url"],
        dataset=dataset,
        role=raw["role"],
        freq_mhz=_optional_int(raw.get("freq_mhz"), where, "freq_mhz"),
        depth_h=_optional_int(raw.get("depth_h"), where, "depth_h"),
        size=_optional_int(raw.get("size"), where, "size"),
        md5=md5.lower() if md5 else None,
        alt_urls=tuple(alt_urls),
        mirror_path=raw.get("mirror_path"),
        header_lines=_optional_int(raw.get("header_lines"), where, "header_lines") or 0,
    )


def parse_manifest(document: Any, source: str = "manifest") -> dict[str, dict[str, ManifestEntry]]:
    """Check a loaded manifest document and index its entries.

    Parameters
    ----------
    document : Any
        The YAML document (a mapping with a ``datasets`` mapping of lists).
    source : str
        Name used in error messages (normally the file path).

    Returns
    -------
    dict
        ``{dataset kind: {file name: ManifestEntry}}``.

    Raises
    ------
    InputError
        If the document is malformed; the message names the offending key.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("datasets"), Mapping):
        raise InputError(f"{source}: no 'datasets' mapping at the top level")
    manifest: dict[str, dict[str, ManifestEntry]] = {}
    for dataset, raw_entries in document["datasets"].items():
        if not isinstance(raw_entries, list):
            raise InputError(f"{source}: datasets.{dataset} must be a list of entries")
        section: dict[str, ManifestEntry] = {}
        for index, raw in enumerate(raw_entries):
            entry = _parse_entry(raw, str(dataset), index, source)
            # Names key the mirror lookup, so they must be unique per section.
            if entry.name in section:
                raise InputError(f"{source}: datasets.{dataset}: duplicate name {entry.name}")
            section[entry.name] = entry
        manifest[str(dataset)] = section
    return manifest


def load_manifest(path: str | os.PathLike | None = None) -> dict[str, dict[str, ManifestEntry]]:
    """Read and check a download manifest.

    Parameters
    ----------
    path : path-like, optional
        The YAML manifest; the shipped one (:func:`default_manifest_path`) by default.

    Returns
    -------
    dict
        ``{dataset kind: {file name: ManifestEntry}}``.
    """
    path = Path(path) if path is not None else default_manifest_path()
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the manifest ({_one_line(exc)})") from None
    return parse_manifest(document, str(path))


def select_entries(
    manifest: Mapping[str, Mapping[str, ManifestEntry]],
    dataset: str,
    *,
    freq_mhz: int | None = None,
    depth_h: int | None = None,
    roles: Iterable[str] | None = None,
) -> list[ManifestEntry]:
    """Return the entries of one dataset kind that match a frequency, depth and roles.

    Entries without a frequency (or depth) match any requested frequency (or
    depth): primary beams and catalogues do not depend on the depth.

    Parameters
    ----------
    manifest : mapping
        As returned by :func:`load_manifest`.
    dataset : str
        Dataset kind (manifest section), e.g. ``"sdc1"`` or ``"sdc1_cutout"``.
    freq_mhz, depth_h : int, optional
        Keep only entries for this frequency / depth; ``None`` keeps all.
    roles : iterable of str, optional
        Keep only entries with these roles.

    Returns
    -------
    list of ManifestEntry
        In manifest order.
    """
    if dataset not in manifest:
        raise InputError(
            f"manifest has no dataset kind {dataset!r} (known: {', '.join(sorted(manifest))})"
        )
    wanted_roles = None if roles is None else set(roles)
    if wanted_roles is not None and not wanted_roles <= set(ROLES):
        raise InputError(f"unknown role(s) {', '.join(sorted(wanted_roles - set(ROLES)))}")
    return [
        entry
        for entry in manifest[dataset].values()
        if (freq_mhz is None or entry.freq_mhz in (None, freq_mhz))
        and (depth_h is None or entry.depth_h in (None, depth_h))
        and (wanted_roles is None or entry.role in wanted_roles)
    ]


def find_entry(
    manifest: Mapping[str, Mapping[str, ManifestEntry]],
    dataset: str,
    *,
    role: str,
    freq_mhz: int | None = None,
    depth_h: int | None = None,
    name: str | None = None,
) -> ManifestEntry:
    """Return the single entry matching the criteria (see :func:`select_entries`).

    ``name`` picks among several matches, e.g. one of the two cutout images.

    Raises
    ------
    InputError
        If no entry or more than one matches.
    """
    matches = select_entries(manifest, dataset, freq_mhz=freq_mhz, depth_h=depth_h, roles=[role])
    if name is not None:
        matches = [entry for entry in matches if entry.name == name]
    what = f"{dataset}: role={role} freq_mhz={freq_mhz} depth_h={depth_h}" + (
        f" name={name}" if name else ""
    )
    if not matches:
        raise InputError(f"manifest has no entry for {what}")
    if len(matches) > 1:
        raise InputError(
            f"manifest has {len(matches)} entries for {what}: {', '.join(e.name for e in matches)}"
        )
    return matches[0]


# --------------------------------------------------------------------------- checks


def _one_line(exc: BaseException | str) -> str:
    """Collapse an exception's message to one line (error messages must be one line)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def file_md5(path: str | os.PathLike, chunk_size: int = 1 << 22) -> str:
    """Return the md5 (lower-case hex) of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def sidecar_path(dest: str | os.PathLike) -> Path:
    """Return where the recorded size and md5 of ``dest`` live (``<dest>.md5.json``)."""
    dest = Path(dest)
    return dest.with_name(dest.name + ".md5.json")


def part_path(dest: str | os.PathLike) -> Path:
    """Return the partial-download file of ``dest`` (``<dest>.part``)."""
    dest = Path(dest)
    return dest.with_name(dest.name + ".part")


def read_sidecar(dest: str | os.PathLike) -> dict[str, Any] | None:
    """Return the recorded ``{"md5", "size", ...}`` of ``dest``, or ``None`` if absent or
    unreadable."""
    try:
        record = json.loads(sidecar_path(dest).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("md5"), str) else None


def _write_sidecar(dest: Path, entry: ManifestEntry, md5: str, size: int, source: str) -> None:
    record = {"name": entry.name, "md5": md5, "size": size, "source": source}
    with atomic_path(sidecar_path(dest)) as tmp:
        tmp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


def _expected(entry: ManifestEntry, dest: Path) -> tuple[str | None, int | None]:
    """Expected (md5, size): the manifest's, else what an earlier fetch recorded."""
    md5, size = entry.md5, entry.size
    record = read_sidecar(dest) if md5 is None else None
    if record is not None:
        md5 = record["md5"]
        size = size if size is not None else record.get("size")
    return md5, size


def _problem(
    actual_md5: str | None, actual_size: int, md5: str | None, size: int | None
) -> str | None:
    """Describe how a file differs from what is expected, or ``None`` if it does not."""
    if size is not None and actual_size != size:
        return f"size {actual_size} bytes, expected {size}"
    if md5 is not None and actual_md5 != md5:
        return f"md5 mismatch: expected {md5}, got {actual_md5}"
    return None


def _existing_is_good(dest: Path, md5: str | None, size: int | None) -> bool:
    """Check an existing destination file; remove it if it is corrupted."""
    actual_size = dest.stat().st_size
    # Size first: it is free, and a wrong size needs no 4 GB md5 pass.
    problem = _problem(None, actual_size, None, size) or (
        _problem(file_md5(dest), actual_size, md5, None) if md5 is not None else None
    )
    if problem is None:
        return True
    log.warning("%s: existing file is corrupted (%s); fetching it again", dest, problem)
    dest.unlink()
    return False


# --------------------------------------------------------------------------- download


class ResumableDownloader(pooch.HTTPDownloader):
    """A pooch downloader that resumes ``<dest>.part`` with HTTP Range requests.

    pooch hands every downloader a fresh temporary file, so a plain pooch
    download restarts from zero after an interruption. This one streams into a
    fixed ``.part`` file that survives interruptions, asks the server only for
    the missing bytes, retries network failures with exponential backoff, and
    finally moves the complete ``.part`` to pooch's temporary file, where pooch
    checks the hash and renames it to the final name.

    Parameters
    ----------
    part : path-like
        The partial file (normally :func:`part_path` of the destination).
    expected_size : int, optional
        Size the complete file must have.
    progressbar : bool
        Show a tqdm progress bar on stderr.
    retries : int
        Further attempts after a network failure (0: try once).
    backoff_s : float
        Wait before the first retry; doubled after each, capped at 60 s.
    timeout_s : float
        Connect and read timeout of each request.
    chunk_size : int
        Bytes written per step.
    label : str, optional
        Name used in error messages; the part file's name by default.
    """

    def __init__(
        self,
        part: str | os.PathLike,
        *,
        expected_size: int | None = None,
        progressbar: bool = False,
        retries: int = 3,
        backoff_s: float = 1.0,
        timeout_s: float = 60.0,
        chunk_size: int = 1 << 20,
        label: str | None = None,
    ) -> None:
        super().__init__(progressbar=progressbar, chunk_size=chunk_size, timeout=timeout_s)
        self.part = Path(part)
        self.label = label or self.part.name
        self.expected_size = expected_size
        self.retries = retries
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        #: md5 and size of the last complete transfer, for error messages and sidecars.
        self.md5: str | None = None
        self.size: int | None = None

    def __call__(
        self, url: str, output_file: Any, pooch_obj: Any = None, check_only: bool = False
    ) -> Any:
        if check_only:
            return super().__call__(url, output_file, pooch_obj, check_only=True)
        attempts = self.retries + 1
        for attempt in range(attempts):
            try:
                self._transfer(url)
                break
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                _Incomplete,
                _TransientHTTP,
            ) as exc:
                if attempt == attempts - 1:
                    have = self.part.stat().st_size if self.part.exists() else 0
                    raise FetchError(
                        f"{self.label}: download from {url} failed after {attempts} attempt(s) "
                        f"({_one_line(exc)}); {have} bytes kept in {self.part} for the next try"
                    ) from None
                wait = min(self.backoff_s * 2**attempt, 60.0)
                log.info("%s: %s; retrying in %.1f s", self.part.name, _one_line(exc), wait)
                time.sleep(wait)
            except (
                requests.RequestException
            ) as exc:  # HTTP 4xx, bad URL: another try will not help
                raise FetchError(
                    f"{self.label}: download from {url} failed ({_one_line(exc)})"
                ) from None
        # pooch passes a path: move the finished file there for its hash check.
        os.replace(self.part, output_file)
        return None

    def _transfer(self, url: str) -> None:
        """Fetch the bytes missing from ``self.part``; raise on any shortfall."""
        offset = self.part.stat().st_size if self.part.exists() else 0
        if self.expected_size is not None and offset > self.expected_size:
            # Longer than the file can be: not a prefix of it, start again.
            self.part.unlink()
            offset = 0
        # identity: sizes and Range offsets must refer to the bytes on disk.
        headers = {"Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        with requests.get(
            url, headers=headers, stream=True, timeout=self.timeout_s, allow_redirects=True
        ) as resp:
            if offset and resp.status_code == 416:
                total = _content_range_total(resp.headers.get("Content-Range"))
                if total == offset and self.expected_size in (None, offset):
                    self._finish(offset)  # the part was already complete
                    return
                self.part.unlink()
                raise _Incomplete(f"server refused resuming at byte {offset}; starting again")
            if resp.status_code in _TRANSIENT_STATUS:
                raise _TransientHTTP(f"HTTP {resp.status_code} from {url}")
            resp.raise_for_status()
            if offset and resp.status_code != 206:
                # The server ignored the Range header and sends the whole file.
                offset = 0
            length = resp.headers.get("Content-Length")
            total = offset + int(length) if length is not None else self.expected_size
            if (
                total is not None
                and self.expected_size is not None
                and total != self.expected_size
            ):
                self.part.unlink(missing_ok=True)
                raise InputError(
                    f"{self.label}: {url} serves {total} bytes, expected {self.expected_size}"
                )
            self._stream(resp, offset, total)
        size = self.part.stat().st_size
        if total is not None and size < total:
            raise _Incomplete(f"connection closed after {size} of {total} bytes")
        self._finish(size)

    def _stream(self, resp: requests.Response, offset: int, total: int | None) -> None:
        """Write the response body to the part file, appending after ``offset``.

        With ``progressbar``, a terminal gets a tqdm bar; anything else (a job's
        log file, where a bar would be one endless line of carriage returns) gets
        a log line about every 10% of the file, or every 256 MiB of unknown total.
        """
        progress = None
        report = None
        if self.progressbar and _isatty(sys.stderr):
            from tqdm.auto import tqdm

            progress = tqdm(
                total=total,
                initial=offset,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=self.part.name,
                leave=True,
            )
        elif self.progressbar:
            report = _byte_progress(self.part.name, offset, total)
        done = offset
        try:
            with open(self.part, "ab" if offset else "wb") as handle:
                for chunk in resp.iter_content(chunk_size=self.chunk_size):
                    handle.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress.update(len(chunk))
                    elif report is not None:
                        report(done)
        finally:
            if progress is not None:
                progress.close()
            elif report is not None:
                report(done, final=True)

    def _finish(self, size: int) -> None:
        # One extra read of the file, but it makes resumed transfers hash the same way.
        self.md5 = file_md5(self.part)
        self.size = size


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _byte_progress(
    name: str, offset: int, total: int | None, every: float = 0.1, step: int = 256 << 20
):
    """``report(done, final=False)``: log download progress about every ``every`` of ``total``
    bytes (every ``step`` bytes when the total is unknown), and once more at the end."""
    mib = 1 << 20
    start = time.monotonic()
    state = {"next": offset + (every * total if total else step), "last": offset}
    if offset:
        log.info("%s: resuming at %.1f MiB", name, offset / mib)

    def report(done: int, final: bool = False) -> None:
        if done < state["next"] and not (final and done != state["last"]):
            return
        rate = (done - offset) / mib / max(time.monotonic() - start, 1e-6)
        if total:
            log.info(
                "%s: %.1f of %.1f MiB (%.0f%%), %.1f MiB/s",
                name,
                done / mib,
                total / mib,
                100.0 * done / total,
                rate,
            )
            while state["next"] <= done:
                state["next"] += every * total
        else:
            log.info("%s: %.1f MiB, %.1f MiB/s", name, done / mib, rate)
            state["next"] = done + step
        state["last"] = done

    return report


class _Incomplete(Exception):
    """The transfer ended early; the part file is kept and resumed."""


class _TransientHTTP(Exception):
    """An HTTP status that may go away on a later try."""


def _content_range_total(header: str | None) -> int | None:
    """Total length from a ``Content-Range: bytes */N`` (or ``bytes a-b/N``) header."""
    if not header or "/" not in header:
        return None
    total = header.rsplit("/", 1)[1].strip()
    return int(total) if total.isdigit() else None


def _download(
    entry: ManifestEntry,
    url: str,
    dest: Path,
    md5: str | None,
    size: int | None,
    *,
    progress: bool,
    retries: int,
    backoff_s: float,
    timeout_s: float,
    chunk_size: int,
) -> ResumableDownloader:
    """Download one URL to ``dest`` through pooch; raise InputError on a bad checksum."""
    downloader = ResumableDownloader(
        part_path(dest),
        expected_size=size,
        progressbar=progress,
        retries=retries,
        backoff_s=backoff_s,
        timeout_s=timeout_s,
        chunk_size=chunk_size,
        label=entry.name,
    )
    log.info("%s: downloading %s to %s", entry.name, url, dest)
    pooch_log = pooch.get_logger()
    level = pooch_log.level
    # pooch's own info lines suggest pinning a sha256 in pooch.retrieve, which
    # does not apply here (we record md5s in the manifest or a sidecar).
    pooch_log.setLevel(logging.WARNING)
    try:
        pooch.retrieve(
            url,
            known_hash=f"md5:{md5}" if md5 else None,
            fname=dest.name,
            path=dest.parent,
            downloader=downloader,
            progressbar=progress,
        )
    except InputError:
        raise
    except ValueError as exc:
        # pooch's hash check failed: it has already deleted the bad file, and
        # with it the part file, so the next call starts from zero.
        if downloader.md5 is None:
            raise InputError(
                f"{entry.name}: download from {url} failed ({_one_line(exc)})"
            ) from None
        raise InputError(
            f"{entry.name}: md5 mismatch: expected {md5}, got {downloader.md5} "
            f"(downloaded from {url})"
        ) from None
    finally:
        pooch_log.setLevel(level)
    return downloader


def _find_in_mirror(entry: ManifestEntry, mirror: Path) -> Path | None:
    """Return the mirror's copy of ``entry``, or ``None`` if the mirror lacks it."""
    for candidate in (entry.mirror_path, entry.name):
        if candidate and (mirror / candidate).is_file():
            return mirror / candidate
    return None


def _copy_checked(source: Path, dest: Path, md5: str | None, size: int | None) -> tuple[str, int]:
    """Copy ``source`` to ``dest`` atomically, hashing on the way; raise on a mismatch."""
    digest = hashlib.md5()
    with atomic_path(dest) as tmp:
        with open(source, "rb") as src, open(tmp, "wb") as out:
            while chunk := src.read(1 << 22):
                digest.update(chunk)
                out.write(chunk)
        actual_size = tmp.stat().st_size
        problem = _problem(digest.hexdigest(), actual_size, md5, size)
        if problem is not None:
            raise InputError(f"{source}: mirror copy is bad ({problem})")
    return digest.hexdigest(), actual_size


def fetch_file(
    entry: ManifestEntry,
    dest: str | os.PathLike,
    *,
    mirror: str | os.PathLike | None = None,
    progress: bool = False,
    retries: int = 3,
    backoff_s: float = 1.0,
    timeout_s: float = 60.0,
    chunk_size: int = 1 << 20,
) -> Path:
    """Put the file of a manifest entry at ``dest``, checked against its size and md5.

    Parameters
    ----------
    entry : ManifestEntry
        What to fetch.
    dest : path-like
        Final path (any name: the workflow renames files to ``<freq>mhz.fits``).
    mirror : path-like, optional
        Folder holding files under their published names (or ``mirror_path``);
        tried before any URL. A bad mirror copy is an error, not a reason to
        download.
    progress : bool
        Show a progress bar while downloading.
    retries : int
        Further attempts per URL after a network failure.
    backoff_s : float
        First wait between attempts (doubled each time).
    timeout_s : float
        Connect/read timeout per request.
    chunk_size : int
        Download chunk size in bytes.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    InputError
        On a size or md5 mismatch (message names the file, both md5s and the URL).
    FetchError
        When no URL could be downloaded; the partial file stays as ``<dest>.part``.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    md5, size = _expected(entry, dest)
    # Say where an expectation came from, so that a user whose upstream file
    # really changed knows which record to delete.
    recorded = f"; expected md5 recorded in {sidecar_path(dest)}" if md5 and not entry.md5 else ""

    if dest.exists() and _existing_is_good(dest, md5, size):
        if md5 is None:
            # Unknown checksum and no record: trust this copy, record it for next time.
            _write_sidecar(dest, entry, file_md5(dest), dest.stat().st_size, str(dest))
        return dest

    if mirror is not None:
        source = _find_in_mirror(entry, Path(mirror))
        if source is not None:
            try:
                actual_md5, actual_size = _copy_checked(source, dest, md5, size)
            except InputError as exc:
                raise InputError(f"{exc}{recorded}") from None
            if entry.md5 is None:
                _write_sidecar(dest, entry, actual_md5, actual_size, str(source))
            log.info("%s: copied from mirror %s", dest, source)
            return dest
        log.info("%s: not in mirror %s; downloading", entry.name, mirror)

    failures: list[str] = []
    for url in entry.urls:
        try:
            downloader = _download(
                entry,
                url,
                dest,
                md5,
                size,
                progress=progress,
                retries=retries,
                backoff_s=backoff_s,
                timeout_s=timeout_s,
                chunk_size=chunk_size,
            )
        except FetchError as exc:
            failures.append(str(exc))
            continue
        except InputError as exc:
            raise InputError(f"{exc}{recorded}") from None
        if entry.md5 is None and downloader.md5 is not None and downloader.size is not None:
            _write_sidecar(dest, entry, downloader.md5, downloader.size, url)
        return dest
    if len(failures) == 1:
        raise FetchError(failures[0])
    raise FetchError(f"{entry.name}: every URL failed: " + " | ".join(failures))


@dataclasses.dataclass(frozen=True)
class DatasetFiles:
    """Where one frequency's three input files go."""

    image: str | os.PathLike
    pb: str | os.PathLike
    truth: str | os.PathLike


def download_cutout(
    manifest_path: str | os.PathLike,
    freq: int,
    image_name: str,
    dest: DatasetFiles,
    *,
    mirror: str | os.PathLike | None = None,
) -> None:
    """Fetch a real SDC1 cutout, its primary beam and its truth (mirror first, md5-checked).

    Parameters
    ----------
    manifest_path : path
        The manifest (``resources/sdc1_manifest.yaml``).
    freq : int
        Frequency in MHz.
    image_name : str
        Published name of the cutout image.
    dest : DatasetFiles
        Destination paths.
    mirror : path, optional
        Folder tried before any URL.
    """
    manifest = load_manifest(manifest_path)
    wanted = {
        dest.image: dict(role="image", name=image_name),
        dest.pb: dict(role="primary_beam"),
        dest.truth: dict(role="truth"),
    }
    for path, criteria in wanted.items():
        entry = find_entry(manifest, "sdc1_cutout", freq_mhz=freq, **criteria)
        fetch_file(entry, path, mirror=mirror, progress=False)
        log.info("%s <- %s", path, entry.name)


def download_sdc1(
    manifest_path: str | os.PathLike,
    freq: int,
    depth_h: int,
    dest: DatasetFiles,
    *,
    mirror: str | os.PathLike | None = None,
) -> None:
    """Fetch one frequency of the official SDC1 data (mirror first, resumable, checked).

    Each file is checked as soon as it is in place, before the next (larger)
    one is fetched. The published truth keeps its header lines beside the
    workflow's copy, which is plain SDC1 format.

    Parameters
    ----------
    manifest_path : path
        The manifest (``resources/sdc1_manifest.yaml``).
    freq : int
        Frequency in MHz.
    depth_h : int
        Integration depth in hours (8, 100, 1000).
    dest : DatasetFiles
        Destination paths.
    mirror : path, optional
        Folder tried before any URL.
    """
    from sdc1.io import read_sdc1_catalogue, write_sdc1_truth
    from sdc1.validate import check_image, check_primary_beam, check_truth_catalogue

    manifest = load_manifest(manifest_path)
    image = find_entry(manifest, "sdc1", role="image", freq_mhz=freq, depth_h=depth_h)
    fetch_file(image, dest.image, mirror=mirror, progress=True)
    check_image(dest.image, freq)
    pb = find_entry(manifest, "sdc1", role="primary_beam", freq_mhz=freq)
    fetch_file(pb, dest.pb, mirror=mirror, progress=True)
    check_primary_beam(dest.pb, dest.image, freq_mhz=freq)
    truth = find_entry(manifest, "sdc1", role="full_truth", freq_mhz=freq)
    raw = Path(dest.truth).with_name(truth.name)
    fetch_file(truth, raw, mirror=mirror, progress=True)
    check_truth_catalogue(raw, skiprows=truth.header_lines)
    write_sdc1_truth(read_sdc1_catalogue(raw, skiprows=truth.header_lines), dest.truth)
    log.info("%d MHz, %d h: image, primary beam and truth in place", freq, depth_h)
