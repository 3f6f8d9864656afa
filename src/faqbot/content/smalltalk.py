"""Small talk: greetings, thanks, goodbyes, "who are you", "what can you do", "can I talk to a person".

A site's own replies live in `data/smalltalk.yaml` (optional; the built-in ones below otherwise),
checked like FAQ files, a mistake stopping the build with `file:line`:

    contact: https://example.org/contact      # optional: where "talk to a person" sends readers
    intents:
      - intent: greeting
        examples: ["hi", "hello", "good morning"]
        answer: "Hello! Ask me anything about this site."

Every intent needs `answer`; its `examples` (what readers type, matched whole, ignoring case and
punctuation) are added to the built-in ones, which it keeps when it gives none. Intents not in the
file keep their built-in replies. In the `human` intent's answer,
`{contact}` stands for the contact address.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from faqbot.content.yaml_files import UniqueKeyLoader, yaml_mistake
from faqbot.errors import DataError
from faqbot.text import contact_problem, has_text, lone_surrogate, read_utf8, surrogate_escape_line

FILE_NAME = "smalltalk.yaml"
INTENTS = ("greeting", "thanks", "goodbye", "who_are_you", "what_can_you_do", "human")
_NOT_WORD = re.compile(r"[^\w\s']+")
_SPACE = re.compile(r"\s+")

# The built-in replies, in the same format (and a template to copy).
BUILT_IN = Path(__file__).with_name(FILE_NAME)
NO_CONTACT = "I'm only an assistant, and this site has not given me a way to reach a person. I can still try to help."


@dataclass(frozen=True)
class SmallTalk:
    """What each intent is typed as (normalised) and answered with."""

    examples: dict[str, str]  # normalised example -> intent
    answers: dict[str, str]  # intent -> answer
    contact: str = ""

    def reply(self, message: str, *, contact: str = "") -> str | None:
        """The answer when the whole message is small talk; None for anything else (a real question)."""
        intent = self.examples.get(normalise(message))
        return None if intent is None else self.answer_for(intent, contact=contact)

    def answer_for(self, intent: str, *, contact: str = "") -> str:
        """The reply to `intent`; the human one names the contact, or says plainly there is none."""
        if intent == "human":
            address = contact or self.contact
            return self.answers[intent].replace("{contact}", address) if address else NO_CONTACT
        return self.answers[intent]

    def strip_greeting(self, message: str) -> str:
        """The message without a leading greeting or thanks ("hi, what is green AI?" -> "what is green AI?")."""
        return self.leading(message)[1]

    def leading(self, message: str) -> tuple[str | None, str]:
        """The intent of a leading greeting or thanks, and the rest of the message ("thanks a lot!" ->
        ("thanks", "a lot!")); (None, message) when it opens with neither."""
        words = message.split()
        for length in (3, 2, 1):
            head = " ".join(words[:length])
            intent = self.examples.get(normalise(head))
            if len(words) > length and intent in ("greeting", "thanks"):
                return intent, " ".join(words[length:]).lstrip(" ,.!-–—:;")
        return None, message

    def to_dict(self) -> dict[str, object]:
        return {"examples": self.examples, "answers": self.answers, "contact": self.contact}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> SmallTalk:
        return cls(dict(data["examples"]), dict(data["answers"]), str(data.get("contact", "")))  # type: ignore[call-overload]


def normalise(text: str) -> str:
    """Lower case, no punctuation, spaces collapsed: "Thanks!!" and "thanks" are the same message."""
    return _SPACE.sub(" ", _NOT_WORD.sub(" ", text.lower().replace("’", "'"))).strip()


def built_in() -> SmallTalk:
    """The built-in replies alone (for an index built before small talk was stored)."""
    return _build(*_built_in())


def load_smalltalk(data_dir: Path) -> SmallTalk:
    """`data_dir/smalltalk.yaml` over the built-in replies; DataError with the line of a mistake."""
    built_in = _built_in()
    path = data_dir / FILE_NAME
    return _build(*(_parse(path, built_in[0]) if path.is_file() else built_in))


@functools.cache
def _built_in_parsed() -> tuple[dict[str, tuple[list[str], str]], str]:
    # Read once a process: the package's file does not change, and its YAML takes ~70 ms to read
    # (the import checks every page's files with the build's readers: faqbot.importing.buildable).
    return _parse(BUILT_IN, {})


def _built_in() -> tuple[dict[str, tuple[list[str], str]], str]:
    """The built-in replies by intent, a copy the caller may change."""
    chosen, contact = _built_in_parsed()
    return {intent: (list(texts), answer) for intent, (texts, answer) in chosen.items()}, contact


def _parse(path: Path, base: dict[str, tuple[list[str], str]]) -> tuple[dict[str, tuple[list[str], str]], str]:
    text = read_utf8(path)
    try:
        node = yaml.compose(text, Loader=UniqueKeyLoader)
        data = yaml.load(text, Loader=UniqueKeyLoader) or {}  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise yaml_mistake(path, exc) from None
    except RecursionError:
        raise DataError(path, "lists are nested too deeply to read", line=1) from None
    try:
        broken = _holds_surrogate(data)
    except RecursionError:  # "intents: &a [*a]": a list that holds itself
        raise DataError(path, "a list or mapping holds itself (a YAML alias to its own anchor)", line=1) from None
    if broken:  # "\udc00" reads as YAML, but is no text: writing the index failed on it
        raise DataError(
            path,
            "a text holds a lone surrogate escape (such as \\ud800): remove it",
            line=surrogate_escape_line(text) or 1,
        )
    if not isinstance(data, dict) or set(data) - {"contact", "intents"}:
        raise DataError(path, "the file has 'contact' (optional) and 'intents' (a list)", line=1)
    contact = data.get("contact") or ""
    if not isinstance(contact, str):
        raise DataError(path, "'contact' must be a URL or an address, as text", line=_line(node, "contact"))
    if problem := contact_problem(contact):
        raise DataError(path, problem, line=_line(node, "contact"))
    chosen = dict(base)
    items = data.get("intents") or []
    if not isinstance(items, list):
        raise DataError(path, "'intents' must be a list", line=_line(node, "intents"))
    item_nodes = _value(node, "intents")
    given: dict[str, int] = {}  # each intent's line: a second item for one replaced the first, without a word
    for number, item in enumerate(items, start=1):
        line = item_nodes.value[number - 1].start_mark.line + 1 if isinstance(item_nodes, yaml.SequenceNode) else 1
        where = f"intent {number}"
        if not isinstance(item, dict) or item.get("intent") not in INTENTS:
            raise DataError(path, f"each intent needs 'intent': one of {', '.join(INTENTS)}", line=line, entry=where)
        if set(item) - {"intent", "examples", "answer"}:
            unknown = ", ".join(sorted(str(key) for key in set(item) - {"intent", "examples", "answer"}))
            raise DataError(
                path, f"unknown field(s) {unknown}: an intent has 'intent', 'examples', 'answer'", line=line
            )
        if item["intent"] in given:
            raise DataError(
                path, f"'{item['intent']}' is given twice (first on line {given[item['intent']]})", line=line
            )
        given[item["intent"]] = line
        examples, answer = item.get("examples"), item.get("answer")
        known = base.get(item["intent"], ([], ""))[0]
        if examples is None and known:  # a new reply in the site's words, readers' words as built in
            examples = []
        elif (
            not isinstance(examples, list)
            or not examples
            or not all(isinstance(e, str) and has_text(normalise(e)) for e in examples)  # not '?' alone
        ):
            raise DataError(path, "'examples' must be a list of texts (quote yes/no/on/off)", line=line, entry=where)
        if not isinstance(answer, str) or not has_text(answer):
            raise DataError(
                path, "'answer' must be text (quote it if it is yes/no/on/off or a number)", line=line, entry=where
            )
        chosen[item["intent"]] = ([*examples, *known], answer.strip())  # the site's examples and the built-in ones
    missing = set(INTENTS) - set(chosen)
    if missing:  # only the built-in file can miss one: a site's file is laid over it
        raise DataError(path, f"no reply for {', '.join(sorted(missing))}", line=1)
    return chosen, contact.strip()


def _build(chosen: dict[str, tuple[list[str], str]], contact: str) -> SmallTalk:
    examples: dict[str, str] = {}
    for intent, (texts, _) in chosen.items():
        for text in texts:
            examples.setdefault(normalise(text), intent)
    return SmallTalk(examples, {intent: answer for intent, (_, answer) in chosen.items()}, contact)


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key and isinstance(v, yaml.Node):
                return v
    return None


def _line(node: yaml.Node | None, key: str) -> int:
    value = _value(node, key)
    return value.start_mark.line + 1 if value is not None else 1


def _holds_surrogate(value: object) -> bool:
    """Whether any text in the parsed file (its mappings and lists walked) holds a lone surrogate."""
    if isinstance(value, dict):
        return any(_holds_surrogate(k) or _holds_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_surrogate(item) for item in value)
    return lone_surrogate(value)
