"""Regenerate examples/*_print.txt: print(model) of torchvision's trees rebuilt in tests/torchvision_like.py.

    cd REPO && PYTHONPATH=$PWD:tests python tests/make_print_fixtures.py

(torchvision itself does not install next to the CPU torch here; the rebuilt trees carry
torchvision's class and child names, so the text is what torchvision's models print.)
"""

from __future__ import annotations

from pathlib import Path

import torchvision_like as tv

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FIXTURES = {"resnet18_print.txt": tv.ResNet, "vgg11_print.txt": tv.vgg11,
            "densenet121_print.txt": tv.DenseNet}


def main() -> None:
    for name, build in FIXTURES.items():
        (EXAMPLES / name).write_text(f"{build()}\n")
        print(f"wrote examples/{name}")


if __name__ == "__main__":
    main()
