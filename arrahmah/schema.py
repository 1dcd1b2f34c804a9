"""One definition of a record, every view of it derived.

A record type is a dataclass made with `record`, each field declared with `column`: its
one-line meaning, its JSON Schema and, where the JSON type does not say it, its Arrow (Parquet)
type. From that one definition come the JSON Schema (`json_schema`), the Parquet schema
(`arrow_schema`), the defaults a record written before a field existed is read with
(`defaults`) and the documentation tables (`field_docs`, `markdown_table`). Adding a field is
one `column` line, then ``python tools/gen_docs.py`` for the committed files made from it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import MISSING, dataclass
from typing import Any, TypeVar, dataclass_transform, overload

META_KEY = "arrahmah.column"
ArrowType = Callable[[Any], Any]  # the pyarrow module -> a pyarrow DataType

T = TypeVar("T")


@dataclass(frozen=True)
class Column:
    """What one field is: its meaning, its JSON Schema, its Arrow type (None: from the JSON)."""

    meaning: str
    json: dict[str, Any]
    arrow: ArrowType | None = None


@overload
def column(meaning: str, json: dict[str, Any], *, arrow: ArrowType | None = None) -> Any: ...
@overload
def column(
    meaning: str, json: dict[str, Any], *, arrow: ArrowType | None = None, default: Any
) -> Any: ...
@overload
def column(
    meaning: str,
    json: dict[str, Any],
    *,
    arrow: ArrowType | None = None,
    default_factory: Callable[[], Any],
) -> Any: ...
def column(
    meaning: str,
    json: dict[str, Any],
    *,
    arrow: ArrowType | None = None,
    default: Any = MISSING,
    default_factory: Any = MISSING,
) -> Any:
    """A field of a `record`: ``meaning`` is the one line the docs show."""
    metadata = {META_KEY: Column(meaning, json, arrow)}
    if default_factory is not MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    if default is not MISSING:
        return dataclasses.field(default=default, metadata=metadata)
    return dataclasses.field(metadata=metadata)


@dataclass_transform(kw_only_default=True, field_specifiers=(column,))
def record(cls: type[T]) -> type[T]:
    """A keyword-only dataclass whose fields are `column` s."""
    made = dataclass(kw_only=True)(cls)
    for f in dataclasses.fields(made):  # type: ignore[arg-type]
        if META_KEY not in f.metadata:
            raise TypeError(f"{cls.__name__}.{f.name} is not declared with column()")
    return made


def columns(cls: type) -> Iterator[tuple[str, Column]]:
    """``(name, Column)`` of every field of a `record`, in order."""
    for f in dataclasses.fields(cls):
        yield f.name, f.metadata[META_KEY]


def defaults(cls: type) -> dict[str, Callable[[], Any]]:
    """Per field that has a default, a function giving it (a fresh list each call)."""
    out: dict[str, Callable[[], Any]] = {}
    for f in dataclasses.fields(cls):
        if f.default_factory is not MISSING:
            out[f.name] = f.default_factory
        elif f.default is not MISSING:
            out[f.name] = _constant(f.default)
    return out


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


# ---- JSON Schema --------------------------------------------------------------------------------
def may_be_empty(cls: type) -> tuple[str, ...]:
    """The fields of a `record` whose JSON Schema admits null, ``""`` or ``[]``."""
    names = []
    for name, col in columns(cls):
        fragment = col.json
        kinds = fragment.get("type", [])
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if (
            "null" in kinds
            or ("string" in kinds and not fragment.get("minLength") and "pattern" not in fragment)
            or ("array" in kinds and not fragment.get("minItems"))
        ):
            names.append(name)
    return tuple(names)


def nullable(fragment: dict[str, Any]) -> dict[str, Any]:
    """``fragment`` that also admits null (its other keywords only constrain the non-null)."""
    kind = fragment["type"]
    return {**fragment, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}


def json_schema(cls: type, *, title: str, description: str, id: str = "") -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a `record`: every field required, no others."""
    schema: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    if id:
        schema["$id"] = id
    props = {name: {**col.json, "description": col.meaning} for name, col in columns(cls)}
    schema |= {
        "title": title,
        "description": description,
        "type": "object",
        "additionalProperties": False,
        "required": list(props),
        "properties": props,
    }
    return schema


def json_label(fragment: dict[str, Any]) -> str:
    """A short human name of a JSON Schema fragment: "string (ISO 8601 time) or null"."""
    if "enum" in fragment:
        return "one of " + ", ".join(f'"{v}"' for v in fragment["enum"])
    kinds = fragment["type"] if isinstance(fragment["type"], list) else [fragment["type"]]
    names = []
    for kind in kinds:
        if kind == "array":
            names.append(f"array of {json_label(fragment['items'])}")
        elif kind == "object":
            names.append("{" + ", ".join(fragment.get("properties", {})) + "}")
        elif kind != "null" and "title" in fragment:
            names.append(f"{kind} ({fragment['title']})")
        else:
            names.append(kind)
    return " or ".join(names)


# ---- Arrow / Parquet ----------------------------------------------------------------------------
def arrow_type(col: Column) -> Any:
    """The pyarrow type of a column: its own, else the one its JSON type implies."""
    import pyarrow as pa

    return col.arrow(pa) if col.arrow is not None else _arrow_of(pa, col.json)


def _arrow_of(pa: Any, fragment: dict[str, Any]) -> Any:
    if "enum" in fragment:
        return pa.string()
    kinds = fragment["type"] if isinstance(fragment["type"], list) else [fragment["type"]]
    (kind,) = [k for k in kinds if k != "null"]
    if kind == "array":
        return pa.list_(_arrow_of(pa, fragment["items"]))
    if kind == "object":
        return pa.struct([(k, _arrow_of(pa, v)) for k, v in fragment["properties"].items()])
    return {"string": pa.string(), "integer": pa.int64(), "boolean": pa.bool_()}[kind]


def arrow_schema(cls: type) -> Any:
    """The pyarrow schema of a `record`, fields in order."""
    import pyarrow as pa

    return pa.schema([(name, arrow_type(col)) for name, col in columns(cls)])


def arrow_label(dtype: Any) -> str:
    """A short human name of a pyarrow type: "timestamp (Asia/Jakarta)", "list<string>"."""
    import pyarrow as pa

    if pa.types.is_timestamp(dtype):
        return f"timestamp ({dtype.tz})" if dtype.tz else "timestamp"
    if pa.types.is_date(dtype):
        return "date"
    if pa.types.is_list(dtype):
        return f"list<{arrow_label(dtype.value_type)}>"
    if pa.types.is_struct(dtype):
        return "struct<" + ", ".join(dtype.field(i).name for i in range(dtype.num_fields)) + ">"
    return str(dtype)


# ---- documentation ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldDoc:
    """One row of a field table."""

    name: str
    json: str
    parquet: str
    meaning: str


def field_docs(cls: type) -> list[FieldDoc]:
    """The documentation rows of a `record`'s fields."""
    return [
        FieldDoc(name, json_label(col.json), arrow_label(arrow_type(col)), col.meaning)
        for name, col in columns(cls)
    ]


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table (pipes in cells escaped)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def fields_table(cls: type, only: Iterable[str] | None = None) -> str:
    """The Markdown table of a `record`'s fields (or of those named ``only``): name, JSON type,
    Parquet type, meaning."""
    names = set(only) if only is not None else None
    return markdown_table(
        ["field", "JSON", "Parquet", "meaning"],
        [
            [f"`{d.name}`", d.json, d.parquet, d.meaning]
            for d in field_docs(cls)
            if names is None or d.name in names
        ],
    )
