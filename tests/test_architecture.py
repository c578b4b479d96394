"""Imports run one way: core <- domains <- channels and web rooms <- the shell, and only the
channels (bots/) speak to the providers' libraries.

Read from the source with `ast`, so an import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = ("routing", "cases", "staff", "intake", "notifications", "privacy")
PROVIDERS = ("telegram", "twilio", "standardwebhooks")
# what no domain may import: the providers' libraries, the channels, the web rooms, the shell
OUTSIDE_DOMAINS = (*PROVIDERS, "bots", "console", "website", "open311", "aduan")
FORBIDDEN = {domain: OUTSIDE_DOMAINS for domain in DOMAINS} | {
    "core": OUTSIDE_DOMAINS + DOMAINS,
    "bots": ("console", "website", "open311", "aduan"),
    "console": (*PROVIDERS, "bots", "website", "open311", "aduan"),
    "website": (*PROVIDERS, "bots", "console", "open311", "aduan"),
    "open311": (*PROVIDERS, "bots", "console", "website", "aduan"),
    # the shell wires the channels in; it does not speak to a provider itself
    "aduan": PROVIDERS,
}


def imported_packages(path: Path) -> set[str]:
    """The top-level package of every module `path` imports (relative imports are ours)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in sorted(imported_packages(path) & set(forbidden))
    ]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_lower_layer_imports_nothing_above_it(package: str) -> None:
    """No domain imports a provider library, a channel, a web room or the shell; core imports
    no domain either; channels and web rooms import neither each other nor the shell, and only
    the channels import a provider library."""
    assert violations(package, FORBIDDEN[package]) == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The reader finds imports at the top, inside functions, and in both spellings."""
    source = tmp_path / "example.py"
    source.write_text(
        "import os.path\nfrom telegram import Bot\n"
        "def later():\n    import bots.telegram\n    from . import sibling\n"
    )
    assert imported_packages(source) == {"os", "telegram", "bots"}
