"""axe-core, the standard accessibility checker, run inside a Playwright page.

axe-core comes from the npm registry, pinned by tests/e2e/package-lock.json; `make browser` installs
it (`npm ci --prefix tests/e2e`). Inject it only into a context made with `bypass_csp=True`: the
pages' CSP forbids inline scripts, and the checker is one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# What comes back from the page: every violation in full, and only the targets of the passes.
RUN = """async (tags) => {
  const results = await axe.run(document, { runOnly: { type: "tag", values: tags } });
  const brief = (rule) => ({ id: rule.id, impact: rule.impact, help: rule.help,
    nodes: rule.nodes.map((n) => ({ target: n.target, summary: n.failureSummary || "" })) });
  return { version: axe.version, violations: results.violations.map(brief), passes: results.passes.map(brief) };
}"""


def require_axe() -> Path:
    """The checker's script; like chromium, missing is a skip on a laptop and a failure in CI."""
    if AXE.is_file():
        return AXE
    message = f"axe-core is not installed at {AXE}: run 'make browser' (npm ci --prefix tests/e2e)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def run_axe(page: Page) -> dict[str, Any]:
    """axe-core over the whole document (open shadow roots included), with the project's tags."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(require_axe()))
    results: dict[str, Any] = page.evaluate(RUN, TAGS)
    return results


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per violation and per node: the rule, its impact and where it is."""
    lines = []
    for rule in violations:
        lines.append(f"{rule['id']} ({rule['impact']}): {rule['help']}")
        for node in rule["nodes"]:
            lines.append(f"    at {node['target']}: {' '.join(node['summary'].split())}")
    return "\n".join(lines)


def targets_inside(results: dict[str, Any], host: str) -> list[list[str]]:
    """The checked nodes (passes and violations) whose target path goes into `host`'s shadow root.

    axe writes a node in a shadow root as a list of selectors: the host first, then inside it.
    """
    found = []
    for rule in results["passes"] + results["violations"]:
        for node in rule["nodes"]:
            for target in node["target"]:
                if isinstance(target, list) and len(target) > 1 and target[0] == host:
                    found.append(target)
    return found
