"""The bundled examples: ``convcalc --examples`` lists them, ``--example lenet5`` runs one.

The top-level ``examples/`` folder is their one copy; ``convcalc/examples`` is a
link to it, which a wheel turns into the files themselves (package data), so an
installed convcalc finds them next to its modules.  A checkout where the link is
not a folder (git on Windows without symlinks) falls back to ``../examples``.
"""

from __future__ import annotations

from pathlib import Path

from .errors import SpecError


def directory() -> Path:
    here = Path(__file__).resolve().parent
    bundled = here / "examples"
    return bundled if bundled.is_dir() else here.parent / "examples"


def names() -> list[str]:
    return sorted(p.stem for p in directory().glob("*.yaml"))


def path_of(name: str) -> Path:
    """The file of the example ``name`` (``lenet5`` or ``lenet5.yaml``)."""
    from .errors import did_you_mean

    stem = name.strip().removesuffix(".yaml")
    path = directory() / f"{stem}.yaml"
    if not path.is_file():
        known = names()
        raise SpecError(f"--example: no example named `{name}`" + did_you_mean(stem, known)
                        + f"; the examples: {', '.join(known)}", code="unknown-example")
    return path


def _about(path: Path) -> str:
    """The example's first comment line: what network it is."""
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                return line.lstrip("# ").rstrip()
            if line.strip():
                break
    return ""


def listing() -> str:
    """One line per example: its name and what it is; then how to run one."""
    paths = [directory() / f"{n}.yaml" for n in names()]
    width = max((len(p.stem) for p in paths), default=0)
    lines = [f"{p.stem:<{width}}  {_about(p)}".rstrip() for p in paths]
    lines += ["", "Run one with `convcalc --example NAME`, e.g. `convcalc --example lenet5`;",
              f"the files are in {directory()}"]
    return "\n".join(lines) + "\n"
