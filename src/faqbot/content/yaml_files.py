"""YAML as faqbot reads its data files: a key written twice in one mapping is an error.

PyYAML keeps the last value of a repeated key without a word, so a second `question:` in an FAQ
entry, or a second `greeting:` in `smalltalk.yaml`, silently replaced the first. Every data file
(FAQ entries, front matter, small talk, evaluation and dialogue sets, the suite) is read with
`UniqueKeyLoader` or `TextLoader`; the error names both lines, through the reader's usual
"invalid YAML" message with the line of the second key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from faqbot.errors import DataError

MERGE = "tag:yaml.org,2002:merge"


class UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key repeated in one mapping (yaml.composer.ComposerError marking
    the repeat). Checked as each mapping is composed, as written: the keys a merge (`<<: *base`) brings
    in come later, when the mapping is constructed, and may be overridden, as YAML means."""

    def compose_mapping_node(self, anchor: Any) -> yaml.MappingNode:  # Any: the stubs say a dict, PyYAML passes a str
        node = super().compose_mapping_node(anchor)
        first: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = (key_node.tag, key_node.value)
            if key in first:
                raise yaml.composer.ComposerError(
                    "while reading a mapping",
                    node.start_mark,
                    f"the key {key_node.value!r} is written twice (first on line {first[key] + 1})",
                    key_node.start_mark,
                )
            first[key] = key_node.start_mark.line
        return node


class TextLoader(UniqueKeyLoader):
    """YAML that reads every scalar as the text written: `answer: no` is "no", not False; `date:
    2024-01-02` and `id: 7` stay as written. Only an empty value is null, and `<<` merges."""


TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag in ("tag:yaml.org,2002:null", MERGE)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def yaml_mistake(path: Path, exc: yaml.YAMLError, *, unknown_line: int | None = 1) -> DataError:
    """A YAML error as faqbot reports a data file's mistake: "invalid YAML: <problem>" at the line YAML
    marks (`unknown_line` when it marks none)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or exc
    return DataError(path, f"invalid YAML: {problem}", line=mark.line + 1 if mark is not None else unknown_line)
