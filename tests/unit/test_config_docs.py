"""The configuration reference is the schema's, and its defaults are config/config.yaml's.

config/README.md and docs/configuration.md carry the tables that sdc1.config_reference makes
from config/schema.yaml (docs/generate_config_reference.py writes them); these tests fail when
either is stale, when a schema key has no description, or when a default in the tables is not
the value config/config.yaml sets.
"""

from __future__ import annotations

import importlib.util
import re
from typing import Any

import pytest
import yaml

from sdc1.config_reference import (
    MARKER,
    MISSING,
    SchemaDocError,
    configuration_page,
    format_value,
    load_yaml,
    missing_descriptions,
    reference_tables,
    render_allowed,
    render_reference,
    render_type,
)
from sdc1.markdown_blocks import read_block, replace_block
from tests.conftest import REPO

README = (REPO / "config" / "README.md").read_text()
SCHEMA = load_yaml(REPO / "config" / "schema.yaml")
CONFIG = load_yaml(REPO / "config" / "config.yaml")
REGENERATE = "run `.venv/bin/python docs/generate_config_reference.py`"
# "### `section`" (or "### Top level"), an optional paragraph, then the settings table.
SETTINGS = re.compile(
    r"^#{3,4} (Top level|`[\w.]+`)\n\n(?:[^|\n].*\n\n)?"
    r"\| key \| type \| default \| allowed \| meaning \|\n\|---.*\n((?:\|.*\n)+)",
    re.M,
)
KINDS = re.compile(
    r"^### `datasets`, kind `(\w+)`\n\n(?:[^|\n].*\n\n)?"
    r"\| key \| type \| required \| allowed \| in config.yaml \| meaning \|\n"
    r"\|---.*\n((?:\|.*\n)+)",
    re.M,
)
SETTING_ROW = re.compile(r"^\| `(\w+)` \| [^|]* \| ([^|]*?) \|", re.M)
KIND_ROW = re.compile(r"^\| `(\w+)` \| [^|]* \| [^|]* \| [^|]* \| ([^|]*) \|", re.M)


@pytest.fixture(scope="module")
def reference() -> str:
    return render_reference(SCHEMA, CONFIG)


def documented_defaults() -> dict[str, str]:
    """Dotted path -> default as written, for every row of config/README.md's settings tables."""
    rows = {}
    for heading, table in SETTINGS.findall(README):
        prefix = "" if heading == "Top level" else heading.strip("`") + "."
        rows.update({prefix + key: default for key, default in SETTING_ROW.findall(table)})
    return rows


def configured_leaves(node: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted path, value) of every value config/config.yaml sets outside `datasets`."""
    leaves = []
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path != "datasets":
            leaves += configured_leaves(value, f"{path}.")
        elif path != "datasets":
            leaves.append((path, value))
    return leaves


# (a) the drift check -------------------------------------------------------------------------


def test_readme_reference_is_the_schemas(reference: str) -> None:
    block = read_block(README, MARKER)
    assert block is not None, f"config/README.md has no <!-- {MARKER}:start/end --> comments"
    assert block == reference, (
        f"config/README.md: the configuration reference is stale; {REGENERATE}"
    )


def test_docs_page_is_the_schemas(reference: str) -> None:
    page = REPO / "docs" / "configuration.md"
    assert page.exists(), f"docs/configuration.md is missing; {REGENERATE}"
    assert page.read_text() == configuration_page(reference), (
        f"docs/configuration.md is stale; {REGENERATE}"
    )


def test_generator_check_passes(capsys: pytest.CaptureFixture[str]) -> None:
    path = REPO / "docs" / "generate_config_reference.py"
    spec = importlib.util.spec_from_file_location("generate_config_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, capsys.readouterr().err


def test_generator_check_names_a_stale_file(tmp_path, capsys) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n<!-- {MARKER}:start -->\nold\n<!-- {MARKER}:end -->\n")
    spec = importlib.util.spec_from_file_location(
        "generate_config_reference", REPO / "docs" / "generate_config_reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check", "--readme", str(readme)]) == 1
    message = capsys.readouterr().err.strip()
    assert str(readme) in message and len(message.splitlines()) == 1
    assert readme.read_text().count("old") == 1  # --check writes nothing


# (b) every key has a description ---------------------------------------------------------------


def test_every_schema_key_has_a_description() -> None:
    assert missing_descriptions(SCHEMA) == [], "config/schema.yaml: keys without a description"


def test_a_key_without_a_description_is_named() -> None:
    schema = {
        "properties": {
            "sourcefind": {
                "type": "object",
                "description": "source finding",
                "properties": {"thresh": {"type": "number"}},
            }
        }
    }
    with pytest.raises(SchemaDocError, match=r"sourcefind\.thresh"):
        render_reference(schema, {})


def test_dataset_keys_without_a_description_are_named() -> None:
    schema = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
    branch = schema["properties"]["datasets"]["additionalProperties"]["allOf"][0]["then"]
    del branch["properties"]["preset"]["description"]
    assert missing_descriptions(schema) == ["datasets.NAME.preset (kind synthetic)"]


# (c) defaults are config/config.yaml's ---------------------------------------------------------


def test_the_tables_are_found() -> None:
    sections = {path.rsplit(".", 1)[0] for path in documented_defaults() if "." in path}
    assert set(SCHEMA["properties"]) - {"dataset", "mirror", "container", "datasets"} <= sections
    assert {"catalogue.tags", "score.bootstrap"} <= sections
    kinds = {kind for kind, _ in KINDS.findall(README)}
    assert kinds == set(
        SCHEMA["properties"]["datasets"]["additionalProperties"]["properties"]["kind"]["enum"]
    )


@pytest.mark.parametrize("path,configured", configured_leaves(CONFIG))
def test_documented_default_is_the_configured_one(path: str, configured: Any) -> None:
    documented = documented_defaults()
    assert path in documented, f"config/README.md lacks {path}"
    default = documented[path]
    assert default.startswith("`") and default.endswith("`"), f"{path}: default {default}"
    assert yaml.safe_load(default.strip("`")) == configured, (
        f"config/README.md: {path} default {default}, config.yaml {configured!r}; the schema's "
        "`default` and config/config.yaml disagree"
    )


def test_every_documented_setting_is_a_schema_key() -> None:
    known = {
        path
        for table in reference_tables(SCHEMA, CONFIG)
        for path in (row.path for row in table.rows)
    }
    assert set(documented_defaults()) <= known


@pytest.mark.parametrize("name", sorted(CONFIG["datasets"]))
def test_dataset_entries_are_in_their_kinds_table(name: str) -> None:
    entry = CONFIG["datasets"][name]
    tables = {kind: dict(KIND_ROW.findall(table)) for kind, table in KINDS.findall(README)}
    rows = tables[entry["kind"]]
    for key, value in entry.items():
        assert key in rows, f"config/README.md: datasets kind {entry['kind']} lacks {key}"
        assert f"`{format_value(value)}`" in rows[key], f"datasets.{name}.{key}: {rows[key]}"


# (d) rendering -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "node,type_text,allowed",
    [
        ({"type": "integer", "minimum": 1}, "integer", "≥ 1"),
        ({"type": "number", "exclusiveMinimum": 0, "maximum": 1}, "number", "in (0, 1]"),
        ({"type": "number", "exclusiveMaximum": 1}, "number", "< 1"),
        ({"type": ["null", "string"]}, "string or null", ""),
        ({"type": ["number", "null"], "exclusiveMinimum": 0}, "number or null", "> 0"),
        ({"enum": ["small", "medium", "full"]}, "string", "one of `small`, `medium`, `full`"),
        ({"enum": ["balanced", None]}, "string or null", "one of `balanced`, `null`"),
        ({"enum": [8, 100]}, "integer", "one of `8`, `100`"),
        ({"const": "auto"}, "string", "`auto`"),
        (
            {"oneOf": [{"const": "auto"}, {"type": "integer", "minimum": 0}]},
            "string or integer",
            "`auto` or integer ≥ 0",
        ),
        (
            {
                "type": "array",
                "items": {"type": "integer", "minimum": 1},
                "minItems": 2,
                "maxItems": 2,
            },
            "list of integers",
            "each ≥ 1; exactly 2 items",
        ),
        (
            {"type": "array", "items": {"enum": [560]}, "minItems": 1},
            "list of integers",
            "each `560`; at least 1 item",
        ),
        ({"type": "string", "pattern": "^[a-z]+$"}, "string", "matching `^[a-z]+$`"),
        (
            {"$ref": "#/$defs/paths", "minProperties": 1},
            "mapping of strings",
            "keys one of `560`, `1400`; at least 1 entry",
        ),
        ({"type": "boolean"}, "boolean", ""),
        ({}, "any", ""),
    ],
)
def test_types_and_allowed_values_read_plainly(node: dict, type_text: str, allowed: str) -> None:
    root = {
        "$defs": {
            "paths": {
                "type": "object",
                "propertyNames": {"enum": [560, 1400, "560", "1400"]},
                "additionalProperties": {"type": "string"},
            }
        }
    }
    assert render_type(node, root) == type_text
    assert render_allowed(node, root) == allowed


def test_a_small_schema_renders_as_expected() -> None:
    schema = {
        "properties": {
            "name": {"type": "string", "description": "a `name`"},
            "things": {
                "type": "object",
                "description": "named things",
                "additionalProperties": {
                    "type": "object",
                    "properties": {"kind": {"enum": ["a", "b"], "description": "which"}},
                    "required": ["kind"],
                    "allOf": [
                        {
                            "if": {"properties": {"kind": {"const": "a"}}},
                            "then": {
                                "properties": {
                                    "kind": {"description": "an a"},
                                    "size": {"enum": ["s", "m"], "description": "how big"},
                                },
                                "required": ["size"],
                            },
                        }
                    ],
                },
            },
            "stage": {
                "type": "object",
                "description": "the stage",
                "properties": {
                    "level": {
                        "type": ["number", "null"],
                        "exclusiveMinimum": 0,
                        "maximum": 1,
                        "default": 0.5,
                        "description": "a or b | c",
                    },
                    "mode": {"enum": ["x", "y"], "description": "the `mode`"},
                    "unset": {"type": "integer", "minimum": 1, "description": "never set"},
                },
            },
        }
    }
    config = {
        "name": "n",
        "things": {"one": {"kind": "a", "size": "s"}, "two": {"kind": "a", "size": "m"}},
        "stage": {"level": 0.9, "mode": "y"},
    }
    assert render_reference(schema, config).split("\n\n", 1)[1] == "\n".join(
        [
            "### Top level",
            "",
            "| key | type | default | allowed | meaning |",
            "|---|---|---|---|---|",
            "| `name` | string | `n` |  | a `name` |",
            "| `things` | mapping of mappings | `one`, `two` |  | named things |",
            "",
            "### `things`, kind `a`",
            "",
            "Entries of this kind in `config/config.yaml`: `one`, `two`.",
            "",
            "| key | type | required | allowed | in config.yaml | meaning |",
            "|---|---|---|---|---|---|",
            "| `kind` | string | yes | `a` | `a` | an a |",
            "| `size` | string | yes | one of `s`, `m` | `s` (`one`); `m` (`two`) | how big |",
            "",
            "### `stage`",
            "",
            "The stage.",
            "",
            "| key | type | default | allowed | meaning |",
            "|---|---|---|---|---|",
            "| `level` | number or null | `0.5` | in (0, 1] | a or b \\| c |",
            "| `mode` | string | `y` | one of `x`, `y` | the `mode` |",
            f"| `unset` | integer | {MISSING} | ≥ 1 | never set |",
        ]
    )


def test_defaults_are_written_as_yaml() -> None:
    for value in [None, True, 0, 0.1, 90.0, 1e-5, "auto", "0", [10, 20, 50], {"a": 1}]:
        assert yaml.safe_load(format_value(value)) == value


def test_marker_blocks_are_replaced_and_read() -> None:
    document = f"top\n<!-- {MARKER}:start -->\nold\n<!-- {MARKER}:end -->\nbottom\n"
    new = replace_block(document, MARKER, "new | text")
    assert new == f"top\n<!-- {MARKER}:start -->\nnew | text\n<!-- {MARKER}:end -->\nbottom\n"
    assert read_block(new, MARKER) == "new | text"
    assert replace_block("no markers", MARKER, "x") is None
    assert read_block("no markers", MARKER) is None
