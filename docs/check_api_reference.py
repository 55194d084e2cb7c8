"""Check that the built API reference documents every public function and class of ``sdc1``.

    python docs/check_api_reference.py docs/_build/html

Public: defined in the module itself (not imported into it), its name without a leading
underscore, and listed in ``__all__`` where the module has one. Each must have its anchor
(``id="sdc1.module.name"``) in the module's page under ``api/generated/``. Exits 1 with one
line per missing name.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

import sdc1


def public_names(module_name: str) -> list[str]:
    """The public functions and classes that ``module_name`` defines."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in vars(module) if not name.startswith("_")]
    return sorted(
        name
        for name in names
        if (inspect.isfunction(obj := getattr(module, name)) or inspect.isclass(obj))
        and obj.__module__ == module_name
    )


def modules() -> list[str]:
    """Every module of the ``sdc1`` package, subpackages included."""
    found = [sdc1.__name__]
    for info in pkgutil.walk_packages(sdc1.__path__, prefix="sdc1."):
        found.append(info.name)
    return sorted(found)


def missing_from(html: Path) -> list[str]:
    """``module.name`` of each public object without its anchor in the built pages."""
    missing = []
    for module_name in modules():
        page = html / "api" / "generated" / f"{module_name}.html"
        text = page.read_text() if page.exists() else ""
        if not text:
            missing.append(f"{module_name} (no page {page})")
            continue
        missing += [
            f"{module_name}.{name}"
            for name in public_names(module_name)
            if f'id="{module_name}.{name}"' not in text
        ]
    return missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="the built site (docs/_build/html)")
    args = parser.parse_args()
    missing = missing_from(args.html)
    for name in missing:
        print(f"{args.html}: API reference lacks {name}", file=sys.stderr)
    print(f"API reference: {len(modules())} modules, {len(missing)} public objects missing")
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
