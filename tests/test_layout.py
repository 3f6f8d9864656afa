"""The layout stays what the README says: small modules, no import cycle, layers kept (import-linter)."""

from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "faqbot"
MAX_LINES = 300


def test_no_module_is_over_the_size_a_reader_takes_in_at_once() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_import_cycle_between_modules() -> None:
    graph = grimp.build_graph("faqbot", cache_dir=None)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(imported, module):
                cycles.append(f"{module} -> {imported} -> ... -> {module}")
    assert cycles == []
