"""The layers of the apps: every import points down their order, and no app holds a circle."""

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _config() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _lint(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own venv's lint-imports, our own config)
        [str(LINT_IMPORTS), str(config), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_import_points_down_and_no_app_holds_a_circle() -> None:
    result = _lint(ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_layers_name_every_app_of_husk() -> None:
    """A new app must take its place in the order before it can import anything."""
    own_apps = {app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").exists()}
    config = _config()
    (layers,) = (c for c in config["contracts"] if c["id"] == "layers")
    layered = {app.strip() for layer in layers["layers"] for app in layer.split("|")}
    assert layered == own_apps == set(config["root_packages"])


def test_an_import_that_points_up_breaks_the_contract(tmp_path: Path) -> None:
    """The check reads the real code: with audit put above clients, clients' imports of the
    access log break it."""
    config = tmp_path / "upside_down.ini"
    config.write_text(
        "[importlinter]\nroot_packages =\n    audit\n    clients\n"
        "exclude_type_checking_imports = True\n\n"
        "[importlinter:contract:upside-down]\nname = Upside down\ntype = layers\n"
        "layers =\n    audit\n    clients\n"
    )
    result = _lint(config)
    assert result.returncode != 0
    assert "clients is not allowed to import audit" in result.stdout
