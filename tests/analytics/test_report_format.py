"""The report's suggested FAQ entries come in the site owner's own format, ready to paste."""

from pathlib import Path

import pytest

from faqbot.analytics.report import entry_snippet
from faqbot.content.faq import owners_format, parse_faq_file


@pytest.mark.parametrize("suffix", [".csv", ".yaml", ".json"])
def test_a_suggested_entry_pastes_into_a_file_of_the_owners_format(tmp_path: Path, suffix: str) -> None:
    (tmp_path / f"a{suffix}").write_text("")
    (tmp_path / f"b{suffix}").write_text("")
    (tmp_path / "other.yaml" if suffix != ".yaml" else tmp_path / "other.csv").write_text("")
    kind = owners_format(tmp_path)
    assert kind == suffix.lstrip(".")
    entry = {"question": "Can I pay, by card?", "answer": "TODO", "alternates": ["card ok?", "visa?"]}
    pasted = tmp_path / f"pasted{suffix}"
    pasted.write_text(entry_snippet(entry, kind))
    [parsed] = parse_faq_file(pasted)
    assert (parsed.question, parsed.answer, parsed.alternates) == ("Can I pay, by card?", "TODO", ("card ok?", "visa?"))
