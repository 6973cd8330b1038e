"""The README stays short, true and runnable: its code runs, its paths exist, CI runs its test command."""

import glob
import pathlib
import re
import shlex

import pytest

from gates.cli.main import COMMANDS

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_readme_is_short():
    assert len(README.splitlines()) <= 150


def test_ci_runs_exactly_the_readme_test_command():
    setup = _blocks("bash")[0].splitlines()
    test_command = setup[1].split("#")[0].strip()
    assert test_command.endswith("python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in [line.strip() for line in ci]


def test_every_path_the_readme_names_exists():
    paths = set(re.findall(r"`((?:enumerations|scripts|docs)/[^`\s]*)`", README))
    paths |= set(re.findall(r"\]\(((?:enumerations|docs)/[^)\s]+)\)", README))
    assert paths
    missing = [p for p in sorted(paths) if not glob.glob(str(ROOT / p.replace("*.*", "*")))]
    assert missing == []


def test_every_command_the_readme_names_exists():
    names = {n for n, _, _ in COMMANDS}
    used = set(re.findall(r"`gates ([a-z-]+)", README)) | {
        shlex.split(line)[1] for block in _blocks("bash") for line in block.splitlines()
        if line.startswith("gates ")}
    assert used and used <= names, used - names


@pytest.mark.parametrize("block", _blocks("python"))
def test_the_python_example_runs(block):
    namespace = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert "gates" in namespace
