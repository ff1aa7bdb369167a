"""The annotation forms a setting may be declared with, one `Kind` each: how a value is checked against it, how it
is named in an error, how a config value becomes what the setting holds, and its JSON schema.

The sections of smite.settings check their values through `is_instance` / `describe`, smite.config converts a run's
overrides through `convert`, smite.settings_views writes the schema through `schema`: a new annotation form is one
`Kind` here. Written by hand: pydantic (here only through albumentations) would double the import time of the
settings, which the light track jobs import, for these few forms.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from smite.hub import ModelSpec
from smite.merge import deep_merge

NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string", list: "a list",
         dict: "a mapping"}
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _keep(hint: Any, current: Any, value: Any, where: str) -> Any:
    return value


def _as_tuple(hint: Any, current: Any, value: Any, where: str) -> Any:
    return tuple(value) if isinstance(value, list) else value


@dataclass(frozen=True)
class Kind:
    """One annotation form: `matches(hint)`; `check(value, hint)`; `describe(hint)` (in "must be ..." errors);
    `convert(hint, current, value, where)` (a config value as the setting holds it); `schema(hint, declared)`."""

    matches: Callable[[Any], bool]
    check: Callable[[Any, Any], bool]
    describe: Callable[[Any], str]
    schema: Callable[[Any, Any], dict[str, Any]]
    convert: Callable[[Any, Any, Any, str], Any] = _keep


def _optional_schema(hint: Any, declared: Any) -> dict[str, Any]:
    inner = schema(next(arg for arg in typing.get_args(hint) if arg is not type(None)), declared)
    return {**inner, "type": [inner["type"], "null"]}


def _tuple_schema(hint: Any, declared: Any) -> dict[str, Any]:
    args = typing.get_args(hint)
    item = {"type": JSON_TYPES[args[0]],
            **({"minimum": declared.item_minimum} if declared.item_minimum is not None else {})}
    return {"type": "array", "items": item, "minItems": len(args), "maxItems": len(args)}


def _models_schema(hint: Any, declared: Any) -> dict[str, Any]:
    entry = {name: {"type": ["array" if name == "patterns" else "string", "null"]}
             for name in ModelSpec.__dataclass_fields__ if name != "key"}
    return {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": False,
                                                       "properties": entry}}


def _merge_models(hint: Any, current: Any, value: Any, where: str) -> Any:
    """Model entries merged into the current ones, each its own ModelSpec."""
    if not (isinstance(current, dict) and isinstance(value, dict)):
        return value
    merged = {key: deep_merge(current[key].entry() if key in current else {}, entry, where=f"{where}.{key}")
              for key, entry in value.items()}
    return {**current, **{key: ModelSpec.from_entry(key, entry) for key, entry in merged.items()}}


def _merge_mapping(hint: Any, current: Any, value: Any, where: str) -> Any:
    return deep_merge(current, value) if isinstance(current, dict) and isinstance(value, dict) else value


def _is_dict(hint: Any) -> bool:
    return typing.get_origin(hint) is dict


KINDS: tuple[Kind, ...] = (
    Kind(matches=lambda hint: isinstance(hint, types.UnionType),  # X | None
         check=lambda value, hint: any(is_instance(value, arg) for arg in typing.get_args(hint)),
         describe=lambda hint: " or ".join(describe(arg) for arg in typing.get_args(hint)),
         schema=_optional_schema, convert=_as_tuple),
    Kind(matches=lambda hint: typing.get_origin(hint) is tuple,  # tuple[X, X]: a list of fixed length in a config
         check=lambda value, hint: (isinstance(value, tuple) and len(value) == len(typing.get_args(hint))
                                    and all(is_instance(item, arg)
                                            for item, arg in zip(value, typing.get_args(hint), strict=True))),
         describe=lambda hint: (f"a list of {len(typing.get_args(hint))} "
                                f"{describe(typing.get_args(hint)[0]).split(' ', 1)[1]}s"),
         schema=_tuple_schema, convert=_as_tuple),
    Kind(matches=lambda hint: _is_dict(hint) and typing.get_args(hint)[1:] == (ModelSpec,),  # the `models` setting
         check=lambda value, hint: isinstance(value, dict) and all(isinstance(v, ModelSpec) for v in value.values()),
         describe=lambda hint: "a mapping", schema=_models_schema, convert=_merge_models),
    Kind(matches=_is_dict,  # dict[str, X]: merged into the current mapping
         check=lambda value, hint: isinstance(value, dict) and all(is_instance(item, typing.get_args(hint)[1])
                                                                   for item in value.values()),
         describe=lambda hint: "a mapping", schema=lambda hint, declared: {"type": "object"}, convert=_merge_mapping),
    Kind(matches=lambda hint: hint is float,  # an integer in a config is a number
         check=lambda value, hint: _number(value), describe=lambda hint: NAMES[float],
         schema=lambda hint, declared: {"type": "number"},
         convert=lambda hint, current, value, where: float(value) if _number(value) else value),
    Kind(matches=lambda hint: hint is int,
         check=lambda value, hint: isinstance(value, int) and not isinstance(value, bool),
         describe=lambda hint: NAMES[int], schema=lambda hint, declared: {"type": "integer"}),
    Kind(matches=lambda hint: hint is Any, check=lambda value, hint: True, describe=lambda hint: "any value",
         schema=lambda hint, declared: {}),
    Kind(matches=lambda hint: hint is type(None), check=lambda value, hint: value is None,
         describe=lambda hint: "null", schema=lambda hint, declared: {"type": "null"}),
    Kind(matches=lambda hint: hint in JSON_TYPES,  # bool, str
         check=lambda value, hint: isinstance(value, hint), describe=lambda hint: NAMES[hint],
         schema=lambda hint, declared: {"type": JSON_TYPES[hint]}),
)


def kind_of(hint: Any) -> Kind:
    """The Kind of an annotation, or a TypeError for a form no Kind handles (a declaration to fix, not input)."""
    for kind in KINDS:
        if kind.matches(hint):
            return kind
    raise TypeError(f"no setting kind handles the annotation {hint!r} (smite.setting_kinds.KINDS)")


def is_instance(value: Any, hint: Any) -> bool:
    return kind_of(hint).check(value, hint)


def describe(hint: Any) -> str:
    return kind_of(hint).describe(hint)


def convert(hint: Any, current: Any, value: Any, where: str) -> Any:
    return kind_of(hint).convert(hint, current, value, where)


def schema(hint: Any, declared: Any) -> dict[str, Any]:
    return kind_of(hint).schema(hint, declared)
