"""Write the configuration reference, made from config/schema.yaml, into the documentation.

The reference (every key's type, default, allowed values and meaning; :mod:`sdc1.config_reference`)
goes between the ``<!-- config-reference:start/end -->`` comments of config/README.md, and makes
up docs/configuration.md, the documentation site's page. ``--check`` writes nothing and exits 1,
naming the files, when either is not what the schema makes now.

Usage: python docs/generate_config_reference.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sdc1.config_reference import (
    MARKER,
    SchemaDocError,
    configuration_page,
    load_yaml,
    render_reference,
)
from sdc1.markdown_blocks import replace_block

REPO = Path(__file__).resolve().parents[1]


def expected_files(schema: Path, config: Path, readme: Path) -> dict[Path, str]:
    """What config/README.md and docs/configuration.md should hold, by path.

    Raises
    ------
    SchemaDocError
        When a schema key has no description, or ``readme`` has no reference block.
    """
    reference = render_reference(load_yaml(schema), load_yaml(config))
    document = replace_block(readme.read_text(), MARKER, reference)
    if document is None:
        raise SchemaDocError(f"{readme}: no <!-- {MARKER}:start/end --> comments")
    return {readme: document, REPO / "docs" / "configuration.md": configuration_page(reference)}


def stale(files: dict[Path, str]) -> list[Path]:
    """The files whose content differs from what ``files`` says they should hold."""
    return [path for path, text in files.items() if not path.exists() or path.read_text() != text]


def shown(path: Path) -> str:
    """``path`` relative to the repository when it lies inside it."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when config/README.md or docs/configuration.md is stale",
    )
    parser.add_argument("--schema", type=Path, default=REPO / "config" / "schema.yaml")
    parser.add_argument("--config", type=Path, default=REPO / "config" / "config.yaml")
    parser.add_argument("--readme", type=Path, default=REPO / "config" / "README.md")
    args = parser.parse_args(argv)
    try:
        files = expected_files(args.schema, args.config, args.readme)
    except SchemaDocError as error:
        print(f"generate_config_reference: {error}", file=sys.stderr)
        return 1
    outdated = stale(files)
    names = ", ".join(shown(path) for path in outdated)
    if args.check:
        if outdated:
            print(
                f"{names}: the configuration reference is not the schema's; "
                "run python docs/generate_config_reference.py",
                file=sys.stderr,
            )
            return 1
        return 0
    for path in outdated:
        path.write_text(files[path])
    print(f"rewrote {names}" if outdated else "the configuration reference is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
