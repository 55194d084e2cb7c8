"""The configuration reference, made from ``config/schema.yaml`` and ``config/config.yaml``.

Every key's description, type, allowed values and default live in the schema (a JSON Schema,
draft 2020-12, written in YAML); ``config/README.md`` and ``docs/configuration.md`` carry the
Markdown tables that :func:`render_reference` makes from it, between the comments of
:data:`MARKER` (``docs/generate_config_reference.py`` writes them, and ``--check`` says whether
they are current). A key's default is the schema's ``default``, else its value in
``config/config.yaml``, else :data:`MISSING`.

The tables: one of the top-level keys that are not sections, one per kind of ``datasets``
entry (the ``if``/``then`` branches of the entry's ``allOf``), one per section (a top-level
mapping with ``properties``) and one per mapping nested in a section, under its own heading.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sdc1.markdown_blocks import block

__all__ = [
    "MARKER",
    "MISSING",
    "Row",
    "SchemaDocError",
    "Table",
    "configuration_page",
    "dataset_kinds",
    "format_value",
    "iter_keys",
    "load_yaml",
    "missing_descriptions",
    "reference_tables",
    "render_allowed",
    "render_reference",
    "render_table",
    "render_type",
    "resolve",
]

MARKER = "config-reference"
"""Name of the generated block: ``<!-- config-reference:start -->`` ... ``:end -->``."""
MISSING = "—"
"""The default of a key that neither the schema nor ``config/config.yaml`` sets."""
NESTED = "(below)"
"""The default of a nested mapping, whose keys have their own table."""
ABSENT = object()
"""Stands for a key that ``config/config.yaml`` does not set."""
TYPE_NAMES = {
    "object": "mapping",
    "array": "list",
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}
PLURALS = {"mapping": "mappings", "entry": "entries", "any": "values of any type"}
SETTING_COLUMNS = ("key", "type", "default", "allowed", "meaning")
DATASET_COLUMNS = ("key", "type", "required", "allowed", "in config.yaml", "meaning")
INTRO = (
    "Generated from `config/schema.yaml` by `docs/generate_config_reference.py`: edit the "
    "schema's `description`s and rerun the script rather than editing these tables. A key's "
    'default is the schema\'s `default`, else its value in `config/config.yaml`; "—" marks a '
    "key that neither sets."
)
PAGE_HEADER = """# Configuration reference

Every key of the workflow's configuration: its type, default, allowed values and meaning.
How to override values, and which rules each section feeds: `config/README.md`.

## Every key"""
"""What ``docs/configuration.md`` holds above the generated block."""


class SchemaDocError(ValueError):
    """The schema lacks what the reference needs (a key without a ``description``)."""


@dataclass(frozen=True)
class Row:
    """One key of a reference table.

    Attributes
    ----------
    path : str
        Dotted path of the key, e.g. ``"catalogue.tags.faint_snr"``; entries of ``datasets``
        read ``"datasets.NAME.preset (kind synthetic)"``.
    key : str
        The key's own name.
    type : str
        Readable type, e.g. ``"integer"``, ``"string or null"``, ``"list of numbers"``.
    allowed : str
        Readable constraint, e.g. ``"≥ 1"``, ``"in (0, 1]"``, ``"one of `a`, `b`"``; empty
        when the type is the only one.
    default : str
        Markdown of the default (a setting) or of the values that ``config/config.yaml``'s
        entries of this kind give it (a ``datasets`` key).
    required : bool
        Whether the schema requires the key.
    meaning : str
        The schema's ``description``; a nested mapping's ``title``, when it has one, since
        its ``description`` heads its own table.
    """

    path: str
    key: str
    type: str
    allowed: str
    default: str
    required: bool
    meaning: str


@dataclass(frozen=True)
class Table:
    """A heading, a paragraph and a table of keys.

    Attributes
    ----------
    level : int
        Markdown heading level (3: ``###``).
    title : str
        Heading text, Markdown.
    intro : str
        Paragraph between the heading and the table; may be empty.
    rows : tuple of Row
        The keys, in the schema's order.
    dataset : bool
        Whether this is a ``datasets`` kind (columns :data:`DATASET_COLUMNS`) rather than
        settings (columns :data:`SETTING_COLUMNS`).
    """

    level: int
    title: str
    intro: str
    rows: tuple[Row, ...]
    dataset: bool = False


def load_yaml(path: Path) -> Any:
    """The parsed content of the YAML file ``path``."""
    return yaml.safe_load(Path(path).read_text())


def resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> dict[str, Any]:
    """``node`` with its ``$ref`` (a ``#/...`` pointer into ``root``) merged in.

    Keys of ``node`` itself win over those of the schema it refers to, as a description
    given beside a ``$ref`` does.
    """
    node = dict(node)
    ref = node.pop("$ref", None)
    if ref is None:
        return node
    if not ref.startswith("#/"):
        raise SchemaDocError(f"only local $ref pointers are supported, not {ref!r}")
    target: Any = root
    for part in ref[2:].split("/"):
        target = target[part]
    return {**resolve(target, root), **node}


def format_value(value: Any) -> str:
    """``value`` written as YAML on one line (flow style), as a config file would hold it.

    Examples
    --------
    >>> format_value([10, 20, 50]), format_value(None), format_value(0.5), format_value("auto")
    ('[10, 20, 50]', 'null', '0.5', 'auto')
    """
    text = yaml.safe_dump(
        value, default_flow_style=True, sort_keys=False, width=1 << 30, allow_unicode=True
    )
    return text.removesuffix("\n").removesuffix("\n...").strip()


def code(value: Any) -> str:
    """``value`` as inline Markdown code, e.g. ```0.5```."""
    return f"`{format_value(value)}`"


def plural(noun: str, count: int = 2) -> str:
    """``noun``, or its plural when ``count`` is not 1."""
    if count == 1:
        return noun
    return PLURALS.get(noun, f"{noun}s")


def join_or(names: Sequence[str]) -> str:
    """Distinct ``names`` in order, ``null`` last, joined as ``"a, b or c"``."""
    distinct = [name for name in dict.fromkeys(names) if name != "null"]
    distinct += ["null"] if "null" in names else []
    if len(distinct) <= 1:
        return "".join(distinct)
    return f"{', '.join(distinct[:-1])} or {distinct[-1]}"


def value_type(value: Any) -> str:
    """Readable type of a Python value from the schema (an ``enum`` or ``const`` member)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "mapping" if isinstance(value, Mapping) else "list"


def type_names(node: Mapping[str, Any], root: Mapping[str, Any]) -> list[str]:
    """Readable names of the types ``node`` admits, in the schema's order."""
    node = resolve(node, root)
    alternatives = node.get("oneOf", node.get("anyOf"))
    if alternatives is not None:
        return [name for alt in alternatives for name in type_names(alt, root)]
    if "type" in node:
        types = node["type"] if isinstance(node["type"], list) else [node["type"]]
        return [container_type(name, node, root) for name in types]
    if "enum" in node:
        return [value_type(value) for value in node["enum"]]
    if "const" in node:
        return [value_type(node["const"])]
    return ["any"]


def container_type(name: str, node: Mapping[str, Any], root: Mapping[str, Any]) -> str:
    """Readable name of the JSON type ``name``; lists and mappings name what they hold."""
    if name == "array" and isinstance(node.get("items"), Mapping):
        return f"list of {plural(render_type(node['items'], root))}"
    values = node.get("additionalProperties")
    if name == "object" and isinstance(values, Mapping) and "properties" not in node:
        return f"mapping of {plural(render_type(values, root))}"
    return TYPE_NAMES.get(name, name)


def render_type(node: Mapping[str, Any], root: Mapping[str, Any]) -> str:
    """Readable type of ``node``: ``"integer"``, ``"string or null"``, ``"list of numbers"``.

    Parameters
    ----------
    node : mapping
        A key's schema.
    root : mapping
        The whole schema, for ``$ref``.

    Returns
    -------
    str
        The types the key admits, ``null`` last.
    """
    return join_or(type_names(node, root))


def bounds(node: Mapping[str, Any]) -> str:
    """Readable numeric range of ``node``: ``"≥ 1"``, ``"> 0"``, ``"in (0, 1]"``; or ``""``."""
    low = ("[", node["minimum"]) if "minimum" in node else None
    low = ("(", node["exclusiveMinimum"]) if "exclusiveMinimum" in node else low
    high = ("]", node["maximum"]) if "maximum" in node else None
    high = (")", node["exclusiveMaximum"]) if "exclusiveMaximum" in node else high
    if low and high:
        return f"in {low[0]}{format_value(low[1])}, {format_value(high[1])}{high[0]}"
    if low:
        return f"{'≥' if low[0] == '[' else '>'} {format_value(low[1])}"
    if high:
        return f"{'≤' if high[0] == ']' else '<'} {format_value(high[1])}"
    return ""


def count_range(node: Mapping[str, Any], low_key: str, high_key: str, noun: str) -> str:
    """Readable bound on a count: ``"exactly 2 items"``, ``"at least 1 entry"``; or ``""``."""
    low, high = node.get(low_key), node.get(high_key)
    if low is not None and low == high:
        return f"exactly {low} {plural(noun, low)}"
    if low is not None and high is not None:
        return f"{low} to {high} {plural(noun, high)}"
    if low is not None:
        return f"at least {low} {plural(noun, low)}"
    if high is not None:
        return f"at most {high} {plural(noun, high)}"
    return ""


def one_of(values: Sequence[Any]) -> str:
    """``"`a`"`` for one value, ``"one of `a`, `b`"`` for more."""
    codes = [code(value) for value in values]
    return codes[0] if len(codes) == 1 else f"one of {', '.join(codes)}"


def alternative(node: Mapping[str, Any], root: Mapping[str, Any]) -> str:
    """One alternative of a ``oneOf``: its values, or its type and constraint."""
    node = resolve(node, root)
    if "enum" in node or "const" in node:
        return render_allowed(node, root)
    return f"{render_type(node, root)} {render_allowed(node, root)}".strip()


def render_allowed(node: Mapping[str, Any], root: Mapping[str, Any]) -> str:
    """Readable constraint of ``node`` beyond its type.

    Covers ``enum``, ``const``, ``oneOf``/``anyOf``, the numeric bounds, ``pattern``, string
    lengths, list items and lengths, and mapping keys and sizes.

    Parameters
    ----------
    node : mapping
        A key's schema.
    root : mapping
        The whole schema, for ``$ref``.

    Returns
    -------
    str
        E.g. ``"≥ 1"``, ``"in (0, 1]"``, ``"one of `small`, `medium`, `full`"``,
        ``"each ≥ 1; exactly 2 items"``; empty when there is no constraint.
    """
    node = resolve(node, root)
    alternatives = node.get("oneOf", node.get("anyOf"))
    if alternatives is not None:
        return " or ".join(alternative(alt, root) for alt in alternatives)
    parts = []
    if "enum" in node:
        parts.append(one_of(node["enum"]))
    if "const" in node:
        parts.append(code(node["const"]))
    parts.append(bounds(node))
    if "pattern" in node:
        parts.append(f"matching `{node['pattern']}`")
    parts.append(count_range(node, "minLength", "maxLength", "character"))
    if isinstance(node.get("items"), Mapping):
        items = render_allowed(node["items"], root)
        parts.append(f"each {items}" if items else "")
    parts.append(count_range(node, "minItems", "maxItems", "item"))
    names = node.get("propertyNames", {}).get("enum")
    if names:
        keys = [f"`{name}`" for name in dict.fromkeys(str(name) for name in names)]
        parts.append(f"keys {keys[0]}" if len(keys) == 1 else f"keys one of {', '.join(keys)}")
    parts.append(count_range(node, "minProperties", "maxProperties", "entry"))
    return "; ".join(part for part in parts if part)


def is_mapping_of_keys(node: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    """Whether ``node`` is a mapping with named keys (a section or a nested mapping)."""
    return "properties" in resolve(node, root)


def dataset_kinds(entry: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """The kinds of a mapping's entries: the ``if``/``then`` branches of its ``allOf``.

    Parameters
    ----------
    entry : mapping
        Schema of one entry (e.g. the ``additionalProperties`` of ``datasets``), whose
        ``allOf`` holds ``{if: {properties: {KEY: {const: VALUE}}}, then: {...}}`` branches.

    Returns
    -------
    list of (str, str, dict)
        The discriminating key (``kind``), its value and the branch's ``then`` schema.
    """
    kinds = []
    for branch in entry.get("allOf", []):
        condition = branch.get("if", {}).get("properties", {})
        for key, test in condition.items():
            if "const" in test and "then" in branch:
                kinds.append((key, test["const"], branch["then"]))
    return kinds


def iter_keys(
    node: Mapping[str, Any], root: Mapping[str, Any], prefix: str = "", qualifier: str = ""
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every key the schema ``node`` describes, at any depth, with its schema.

    Parameters
    ----------
    node : mapping
        A mapping's schema (the whole schema at the top).
    root : mapping
        The whole schema, for ``$ref``.
    prefix : str
        Dotted path of ``node`` with a trailing dot (``""`` at the top).
    qualifier : str
        Appended to the paths of the keys of a ``datasets`` kind, e.g. ``" (kind files)"``.

    Yields
    ------
    (str, dict)
        The key's path (``"sourcefind.tile_size"``, entries of ``datasets``:
        ``"datasets.NAME.image (kind sdc1_cutout)"``) and its schema, ``$ref`` resolved.
    """
    node = resolve(node, root)
    for name, child in node.get("properties", {}).items():
        yield f"{prefix}{name}{qualifier}", resolve(child, root)
        yield from iter_keys(child, root, f"{prefix}{name}.", qualifier)
    entry = node.get("additionalProperties")
    if isinstance(entry, Mapping):
        yield from iter_keys(entry, root, f"{prefix}NAME.", qualifier)
    for key, value, then in dataset_kinds(node):
        yield from iter_keys(then, root, prefix, f" ({key} {value})")


def missing_descriptions(schema: Mapping[str, Any]) -> list[str]:
    """Paths of the keys of ``schema`` that have no ``description``, in the schema's order."""
    return [path for path, node in iter_keys(schema, schema) if not node.get("description")]


def config_value(config: Any, path: Sequence[str]) -> Any:
    """The value at ``path`` in the config mapping, or :data:`ABSENT`."""
    for key in path:
        if not isinstance(config, Mapping) or key not in config:
            return ABSENT
        config = config[key]
    return config


def default_cell(node: Mapping[str, Any], root: Mapping[str, Any], configured: Any) -> str:
    """Markdown of a setting's default: the schema's ``default``, else ``configured``.

    A nested mapping reads :data:`NESTED` (its keys have their own table); a mapping of
    named entries (``datasets``) lists the entries' names.
    """
    if is_mapping_of_keys(node, root):
        return NESTED
    value = node["default"] if "default" in node else configured
    if value is ABSENT:
        return MISSING
    if isinstance(value, Mapping):
        return ", ".join(f"`{name}`" for name in value) or code(value)
    return code(value)


def sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop, to stand as a paragraph."""
    text = " ".join(text.split())
    text = text[:1].upper() + text[1:] if text[:1].islower() else text
    return text if text.endswith((".", "!", "?")) else f"{text}."


def setting_rows(
    node: Mapping[str, Any], root: Mapping[str, Any], config: Any, path: Sequence[str]
) -> tuple[Row, ...]:
    """Rows of the keys of the mapping ``node`` at ``path``, defaults from ``config``."""
    node = resolve(node, root)
    required = set(node.get("required", []))
    rows = []
    for name, child in node.get("properties", {}).items():
        child = resolve(child, root)
        key_path = [*path, name]
        rows.append(
            Row(
                path=".".join(key_path),
                key=name,
                type=render_type(child, root),
                allowed=render_allowed(child, root),
                default=default_cell(child, root, config_value(config, key_path)),
                required=name in required,
                meaning=child.get("title") or child.get("description", ""),
            )
        )
    return tuple(rows)


def mapping_tables(
    node: Mapping[str, Any], root: Mapping[str, Any], config: Any, path: Sequence[str], level: int
) -> list[Table]:
    """The table of the mapping ``node`` at ``path``, then those of the mappings in it."""
    node = resolve(node, root)
    name = ".".join(path)
    tables = [
        Table(
            level,
            f"`{name}`",
            sentence(node.get("description", "")),
            setting_rows(node, root, config, path),
        )
    ]
    for key, child in node.get("properties", {}).items():
        if is_mapping_of_keys(child, root):
            tables += mapping_tables(child, root, config, [*path, key], level + 1)
    return tables


def entries_cell(entries: Mapping[str, Any], key: str) -> str:
    """Markdown of the values that ``config/config.yaml``'s ``entries`` give ``key``."""
    values = [(name, entry[key]) for name, entry in entries.items() if key in entry]
    if not values:
        return MISSING
    if len(values) == len(entries) and all(value == values[0][1] for _, value in values):
        return code(values[0][1])
    return "; ".join(f"{code(value)} (`{name}`)" for name, value in values)


def kind_table(
    name: str,
    entry: Mapping[str, Any],
    root: Mapping[str, Any],
    kind: tuple[str, str, dict[str, Any]],
    entries: Mapping[str, Any],
) -> Table:
    """The table of one kind of the entries of the mapping ``name`` (e.g. ``datasets``).

    Parameters
    ----------
    name : str
        The mapping's key, e.g. ``"datasets"``.
    entry : mapping
        Schema of one entry, with the keys every kind shares in its ``properties``.
    root : mapping
        The whole schema, for ``$ref``.
    kind : (str, str, dict)
        The discriminating key, its value and the kind's schema, from :func:`dataset_kinds`.
    entries : mapping
        The entries of this kind in ``config/config.yaml``, by name.
    """
    key, value, then = kind
    shared, own = entry.get("properties", {}), then.get("properties", {})
    required = set(entry.get("required", [])) | set(then.get("required", []))
    rows = []
    for field in dict.fromkeys([*shared, *own]):
        child = {**resolve(shared.get(field, {}), root), **resolve(own.get(field, {}), root)}
        if field == key:
            child = {"const": value, "description": child.get("description", "")}
        rows.append(
            Row(
                path=f"{name}.NAME.{field} ({key} {value})",
                key=field,
                type=render_type(child, root),
                allowed=render_allowed(child, root),
                default=entries_cell(entries, field),
                required=field in required,
                meaning=child.get("description", ""),
            )
        )
    listed = ", ".join(f"`{entry_name}`" for entry_name in entries) or "none"
    intro = f"Entries of this {key} in `config/config.yaml`: {listed}."
    return Table(3, f"`{name}`, {key} `{value}`", intro, tuple(rows), dataset=True)


def reference_tables(schema: Mapping[str, Any], config: Mapping[str, Any]) -> list[Table]:
    """Every table of the reference, in the order they are rendered.

    Parameters
    ----------
    schema : mapping
        The parsed ``config/schema.yaml``.
    config : mapping
        The parsed ``config/config.yaml``, for defaults the schema does not give.

    Returns
    -------
    list of Table
        The top-level keys that are not sections; each kind of each mapping of kinds
        (``datasets``); each section, each followed by the mappings nested in it.

    Raises
    ------
    SchemaDocError
        When a key has no ``description``, naming the keys.
    """
    missing = missing_descriptions(schema)
    if missing:
        raise SchemaDocError(f"config/schema.yaml: no description for {', '.join(missing)}")
    properties = schema.get("properties", {})
    plain = {
        name: child for name, child in properties.items() if not is_mapping_of_keys(child, schema)
    }
    top = setting_rows({"properties": plain}, schema, config, [])
    tables = [Table(3, "Top level", "", top)]
    for name, child in plain.items():
        entry = resolve(child, schema).get("additionalProperties")
        if not isinstance(entry, Mapping):
            continue
        entry = resolve(entry, schema)
        configured = config.get(name) or {}
        for kind in dataset_kinds(entry):
            key, value, _ = kind
            entries = {
                entry_name: values
                for entry_name, values in configured.items()
                if isinstance(values, Mapping) and values.get(key) == value
            }
            tables.append(kind_table(name, entry, schema, kind, entries))
    for name, child in properties.items():
        if name not in plain:
            tables += mapping_tables(child, schema, config, [name], 3)
    return tables


def cell(text: str) -> str:
    """``text`` fit for a Markdown table cell: one line, ``|`` escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def render_table(table: Table) -> str:
    """Markdown of ``table``: its heading, its paragraph and its rows."""
    columns = DATASET_COLUMNS if table.dataset else SETTING_COLUMNS
    lines = [f"{'#' * table.level} {table.title}", ""]
    if table.intro:
        lines += [table.intro, ""]
    lines += [f"| {' | '.join(columns)} |", f"|{'---|' * len(columns)}"]
    for row in table.rows:
        if table.dataset:
            required = "yes" if row.required else "no"
            cells = [f"`{row.key}`", row.type, required, row.allowed, row.default, row.meaning]
        else:
            cells = [f"`{row.key}`", row.type, row.default, row.allowed, row.meaning]
        lines.append(f"| {' | '.join(cell(text) for text in cells)} |")
    return "\n".join(lines)


def render_reference(schema: Mapping[str, Any], config: Mapping[str, Any]) -> str:
    """The whole reference, in Markdown: a paragraph, then every table.

    Parameters
    ----------
    schema : mapping
        The parsed ``config/schema.yaml``.
    config : mapping
        The parsed ``config/config.yaml``.

    Returns
    -------
    str
        The Markdown, without a trailing newline; its headings start at ``###``.

    Raises
    ------
    SchemaDocError
        When a key has no ``description``.
    """
    tables = reference_tables(schema, config)
    return "\n\n".join([INTRO, *(render_table(table) for table in tables)])


def configuration_page(reference: str) -> str:
    """The whole of ``docs/configuration.md``: :data:`PAGE_HEADER`, then ``reference``.

    Parameters
    ----------
    reference : str
        The output of :func:`render_reference`.

    Returns
    -------
    str
        The page, with ``reference`` between the :data:`MARKER` comments.
    """
    return f"{PAGE_HEADER}\n\n{block(MARKER, reference)}\n"
