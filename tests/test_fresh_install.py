"""The README works after a real install: build the wheel, install it in a new virtual environment
outside the source tree (dependencies from the package index, as a user gets them), then run the
README's first command and the bundled example.  Slow (a minute or two): ``pytest -m slow -k fresh``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def sh(*args: str | Path, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    # without PYTHONPATH: the installed convcalc must answer, not the checkout's
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          check=False, env=env)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_runs_the_readme(tmp_path: Path) -> None:
    # Build from a copy of what the repository ships, so the checkout gets no build/ or egg-info.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    for folder in ("convcalc", "examples"):
        shutil.copytree(ROOT / folder, src / folder, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    isolation = [] if importlib.util.find_spec("setuptools") is None else ["--no-build-isolation"]
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-q", "-w", wheels, src, cwd=tmp_path)
    [wheel] = wheels.glob("convcalc-*.whl")

    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    bin_dir = env / ("Scripts" if sys.platform == "win32" else "bin")
    sh(bin_dir / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel, cwd=tmp_path)
    convcalc = bin_dir / "convcalc"

    # The README's first command, in a checkout, with the installed convcalc.
    first = sh(convcalc, "examples/lenet5.yaml", cwd=ROOT)
    assert first.stdout.startswith("examples/lenet5.yaml — lenet5 — pytorch, channels first, input 1×32×32")
    assert "Total params: 61,706" in first.stdout

    # Anywhere else: the examples that come inside the package.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    listing = sh(convcalc, "--examples", cwd=elsewhere).stdout
    assert "lenet5" in listing and str(env) in listing  # read from the installed package
    bundled = sh(convcalc, "-f", "plain", "--example", "lenet5", cwd=elsewhere).stdout
    assert "Total params: 61,706" in bundled and "Expectations: all 7 checks passed" in bundled
