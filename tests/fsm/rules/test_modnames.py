"""File-name rules for firmware modules: short, lowercase, unique and never a library module's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsm.rules.modnames import RESERVED_MODULES
from fsm.rules.modnames import check_module_names
from tests.support import LAYOUT


def tree(tmp_path: Path, *files: str) -> list[Path]:
    """Creates the files (paths relative to tmp_path) and returns the runtime/ and generated/ directories."""
    dirs = [tmp_path / "runtime", tmp_path / "generated"]
    for d in dirs:
        d.mkdir()
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("X = 1\n")
    return dirs


def lines(dirs: list[Path], tmp_path: Path) -> list[str]:
    """The printed findings, with the temporary root removed (as the build prints repo-relative paths)."""
    return [str(f).replace(str(tmp_path) + "/", "") for f in check_module_names(dirs)]


def test_good_names_give_nothing(tmp_path: Path) -> None:
    dirs = tree(tmp_path, "runtime/engine.py", "runtime/at_drv2.py", "generated/fsm_commands.py")
    assert check_module_names(dirs) == []


def test_name_longer_than_12_characters(tmp_path: Path) -> None:
    dirs = tree(tmp_path, "runtime/fsm_gateway_x.py", "runtime/abcdefghijkl.py")
    assert lines(dirs, tmp_path) == [
        "runtime/fsm_gateway_x.py: module-name-too-long: module name 'fsm_gateway_x' has 13 characters; "
        "at most 12 so that 'fsm_gateway_x.pyo' fits the module's 16-character file names"
    ]


@pytest.mark.parametrize("name", ["Engine", "2fast", "_private", "at-drv"])
def test_name_not_lowercase_identifier(tmp_path: Path, name: str) -> None:
    dirs = tree(tmp_path, f"runtime/{name}.py")
    assert lines(dirs, tmp_path) == [
        f"runtime/{name}.py: module-name-invalid: module name '{name}' must be lowercase letters, digits "
        f"and '_', starting with a letter (file names on the module are case sensitive; we use lowercase only)"
    ]


def test_module_in_a_subfolder_is_invalid(tmp_path: Path) -> None:
    dirs = tree(tmp_path, "runtime/sub/helper.py")
    assert lines(dirs, tmp_path) == [
        "runtime/sub/helper.py: module-name-invalid: module 'helper' is in a subfolder of runtime; "
        "the module's file system is flat: move it up"
    ]


def test_same_name_in_two_directories_collides(tmp_path: Path) -> None:
    dirs = tree(tmp_path, "runtime/engine.py", "generated/engine.py")
    assert lines(dirs, tmp_path) == [
        "generated/engine.py: module-name-collision: module 'engine' is also runtime/engine.py; "
        "the module's file system is flat, so module names must be unique across the firmware directories"
    ]


@pytest.mark.parametrize("name", ["string", "time", "mdm", "exceptions", "socket", "random", "json"])
def test_builtin_and_library_names_are_reserved(tmp_path: Path, name: str) -> None:
    dirs = tree(tmp_path, f"generated/{name}.py")
    assert lines(dirs, tmp_path) == [
        f"generated/{name}.py: module-name-reserved: module name '{name}' is a built-in or library module "
        f"(on the module or in CPython); the file would shadow it: choose another name"
    ]


def test_reserved_names_are_compared_case_insensitively(tmp_path: Path) -> None:
    dirs = tree(tmp_path, "runtime/GPIO.py")
    assert [f.rule for f in check_module_names(dirs)] == ["module-name-invalid", "module-name-reserved"]


def test_reserved_covers_telit_py15_and_python3_stdlib() -> None:
    assert {"mdm", "mdm2", "ser", "ser2", "mod", "gpio", "sys", "md5", "marshal", "struct", "os"} <= RESERVED_MODULES
    assert {"compat", "engine", "main", "config", "sms"}.isdisjoint(RESERVED_MODULES)


def test_the_repository_firmware_names_pass() -> None:
    dirs = [d for d in LAYOUT.firmware_dirs if d.is_dir()]
    assert check_module_names(dirs) == []
