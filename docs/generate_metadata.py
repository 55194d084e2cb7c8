"""Write codemeta.json and CITATION.cff from pyproject.toml, so that they cannot drift from it.

    python docs/generate_metadata.py           # rewrite both files
    python docs/generate_metadata.py --check   # exit 1 if either is stale, write nothing

pyproject.toml is the one place where the name, version, description, licence, authors,
keywords and dependencies are written; codemeta.json (the metadata that the ESCAPE OSSR and
Zenodo read, checked with `eossr-metadata-validator`) and CITATION.cff (what GitHub's
"Cite this repository" and Zotero read, checked with `cffconvert --validate`) are made from it.
`make check-metadata` runs both validators.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
CODEMETA = REPO / "codemeta.json"
CITATION = REPO / "CITATION.cff"
SPDX = "https://spdx.org/licenses/{}"
#: A release heading of CHANGELOG.md: ``## [0.1.0] - 2026-12-07``.
RELEASE = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})\s*$", re.M)


def pyproject_tables(pyproject: Path = REPO / "pyproject.toml") -> tuple[dict, dict]:
    """The ``[project]`` and ``[tool.codemeta]`` tables of ``pyproject``."""
    content = tomllib.loads(pyproject.read_text())
    return content["project"], content.get("tool", {}).get("codemeta", {})


def release_date(version: str, changelog: Path = REPO / "CHANGELOG.md") -> str:
    """The date of ``version``'s release heading in the changelog.

    Raises
    ------
    ValueError
        If the changelog has no heading for ``version``: a version is released with its
        changelog entry.
    """
    for match in RELEASE.finditer(changelog.read_text()):
        if match["version"] == version:
            return match["date"]
    raise ValueError(
        f"{changelog}: no '## [{version}] - YYYY-MM-DD' heading for version {version}"
    )


def python_versions(meta: dict[str, Any]) -> list[str]:
    """The Python versions that the classifiers name, e.g. ``["3.11", "3.12"]``."""
    prefix = "Programming Language :: Python :: "
    return [c[len(prefix) :] for c in meta.get("classifiers", []) if c.startswith(prefix)]


def _person_or_organisation(author: dict[str, str]) -> dict[str, Any]:
    """A codemeta author: a Person with given and family names, or an Organization."""
    name = author["name"]
    if name.lower().startswith("the ") or " " not in name:
        entry: dict[str, Any] = {"@type": "Organization", "name": name}
    else:
        given, family = name.rsplit(" ", 1)
        entry = {"@type": "Person", "givenName": given, "familyName": family}
    if "email" in author:
        entry["email"] = author["email"]
    return entry


def codemeta(meta: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The codemeta 3.0 record of the project; ``extra`` is pyproject's ``[tool.codemeta]``."""
    versions = python_versions(meta)
    extra = dict(extra or {})
    if "copyrightHolder" in extra:
        extra["copyrightHolder"] = _person_or_organisation({"name": extra["copyrightHolder"]})
    return {
        "@context": "https://w3id.org/codemeta/3.0",
        "@type": "SoftwareSourceCode",
        "name": meta["name"],
        "description": meta["description"],
        "version": meta["version"],
        "softwareVersion": meta["version"],
        "license": SPDX.format(meta["license"]),
        "author": [_person_or_organisation(a) for a in meta["authors"]],
        "maintainer": [_person_or_organisation(a) for a in meta["maintainers"]],
        "datePublished": release_date(meta["version"]),
        "keywords": meta.get("keywords", []),
        "programmingLanguage": [f"Python {v}" for v in versions],
        "runtimePlatform": [f"Python {v}" for v in versions],
        "operatingSystem": ["Linux"],
        "softwareRequirements": meta["dependencies"],
        "developmentStatus": "active",
        "applicationCategory": "Astronomy",
        "readme": "README.md",
        "releaseNotes": "CHANGELOG.md",
        **extra,
    }


def citation(meta: dict[str, Any]) -> dict[str, Any]:
    """The CITATION.cff (format 1.2.0) content of the project."""
    authors = []
    for author in meta["authors"]:
        entry = _person_or_organisation(author)
        if entry["@type"] == "Person":
            authors.append(
                {"given-names": entry["givenName"], "family-names": entry["familyName"]}
            )
        else:
            authors.append({"name": entry["name"]})
    return {
        "cff-version": "1.2.0",
        "message": "If you use this software, please cite it as below.",
        "type": "software",
        "title": f"{meta['name']}: {meta['description']}",
        "version": meta["version"],
        "date-released": release_date(meta["version"]),
        "license": meta["license"],
        "authors": authors,
        "keywords": meta.get("keywords", []),
        "abstract": meta["description"],
    }


def rendered(meta: dict[str, Any], extra: dict[str, Any]) -> dict[Path, str]:
    """The text of each generated file."""
    header = "# Generated from pyproject.toml by docs/generate_metadata.py: edit that, not this.\n"
    cff = yaml.safe_dump(citation(meta), sort_keys=False, allow_unicode=True, width=99)
    return {
        CODEMETA: json.dumps(codemeta(meta, extra), indent=2, ensure_ascii=False) + "\n",
        CITATION: header + cff,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a file is stale")
    args = parser.parse_args(argv)
    files = rendered(*pyproject_tables())
    stale = [p for p, text in files.items() if not p.exists() or p.read_text() != text]
    if args.check:
        if stale:
            names = ", ".join(str(p.relative_to(REPO)) for p in stale)
            print(
                f"{names}: not what pyproject.toml gives; "
                f"run python {Path(__file__).relative_to(REPO)}",
                file=sys.stderr,
            )
            return 1
        return 0
    for path in stale:
        path.write_text(files[path])
        print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
