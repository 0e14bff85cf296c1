"""print(model) text read back: parameters exact, shapes equal to PyTorch's where the printed order fits,
"unknown" (never a guess) from where it stops fitting.

The texts are printed here by torch itself: generated nn.Sequential stacks (tests/oracle_gen.py's
PyTorch configurations) and torchvision's module trees rebuilt with torchvision's class names
(tests/torchvision_like.py; torchvision itself does not install next to the CPU torch here).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from convcalc import api
from convcalc.errors import SpecError

torch = pytest.importorskip("torch")

import oracle  # noqa: E402
import oracle_gen  # noqa: E402
import torchvision_like as tv  # noqa: E402
from roundtrip import assert_round_trip  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# torchvision's real text of Inception3, whose branches convcalc does not follow yet: shapes stop being known
INCEPTION = ROOT / "tests" / "data" / "torchvision_print" / "inception_v3.txt"


class _NotOneTensor(Exception):
    """A module returned several tensors (MaxPool's return_indices): no Sequential chains it."""


def _outputs(model: Any, x: Any) -> dict[str, tuple[int, ...]]:
    """Every leaf module's output shape in a real forward pass, by its dotted name (called once)."""
    shapes: dict[str, tuple[int, ...]] = {}

    calls: dict[str, int] = {}

    def hook(name: str) -> Any:
        def record(mod: Any, inputs: Any, out: Any) -> None:  # returns None: the output stays
            if not isinstance(out, torch.Tensor):
                raise _NotOneTensor(name)
            shapes.setdefault(name, tuple(out.shape[1:]))
            calls[name] = calls.get(name, 0) + 1
        return record

    hooks = [m.register_forward_hook(hook(name))
             for name, m in model.named_modules() if name and not list(m.children())]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return {n: s for n, s in shapes.items() if calls[n] == 1}  # a module called twice has no one shape


def _read(model: Any, shape: tuple[int, ...], tmp_path: Path) -> Any:
    path = tmp_path / "model.txt"
    path.write_text(str(model) + "\n")
    return api.analyze(str(path), input="x".join(map(str, shape)))


def test_generated_sequentials_agree(tmp_path: Path) -> None:
    """Generated PyTorch stacks, printed by torch, read back: params and every leaf's shape agree."""
    _generated_agree(tmp_path, 80)


@pytest.mark.slow
def test_generated_sequentials_agree_full(tmp_path: Path) -> None:
    _generated_agree(tmp_path, 600)


def _generated_agree(tmp_path: Path, n: int) -> None:
    # print(model) needs --input: a 0-d sample has no size to give it.
    configs = [c for c in oracle_gen.generate("pytorch", n, seed=15) if not c.int_input and c.input]
    checked, bad = 0, []
    for cfg in configs:
        obs = oracle.run_torch(cfg)
        if obs.refused is not None or any(lay.cls in ("LSTM", "GRU", "RNN") or not hasattr(torch.nn, lay.cls)
                                          or lay.reads or lay.merge_from or lay.cls in oracle.BLOCKS
                                          or lay.cls == "MultiheadAttention" for lay in cfg.layers):
            # A Sequential cannot chain an RNN's (output, state), call attention with (q, k, v) or
            # show a transformer module's residuals (the oracle wraps those); custom classes print no sizes.
            continue
        built = [oracle.build_torch(lay) for lay in obs.config.layers]
        model = torch.nn.Sequential(*(getattr(b, "module", b) for b in built))
        x = torch.zeros(2, *cfg.input)
        try:
            want = _outputs(model, x)
        except _NotOneTensor:
            continue  # a layer returns several tensors (return_indices=True): a Sequential cannot chain it
        checked += 1
        hidden_ceil = any(lay.cls.startswith("AvgPool") and lay.kwargs.get("ceil_mode") for lay in cfg.layers)
        try:
            result = _read(model, cfg.input, tmp_path)
            assert result.total_params == sum(p.numel() for p in model.parameters())
            if any(lay.cls.startswith("AvgPool") for lay in cfg.layers):  # its repr hides ceil_mode
                assert any("prints no ceil_mode" in n for n in result.imported["notes"])
            if not hidden_ceil:  # (read without the ceil_mode the text hides, a later layer may misfit)
                assert result.imported["writable"]
                assert_round_trip(result)
            for row in result.layers:
                if not hidden_ceil:
                    assert not row.shape_known or tuple(row.output) == want[row.name], row.name
        except (AssertionError, SpecError) as e:
            bad.append(f"{cfg.text()}\n{model}\n{e}")
    oracle.SUMMARY.append(f"print(model) import ({n} generated): agrees on {checked - len(bad)} of {checked}")
    assert not bad, "\n".join(bad[:5])


def test_resnet18_residuals_followed_and_every_shape_exact(tmp_path: Path) -> None:
    """torchvision's BasicBlock: downsample reads the block input, the sum follows; every shape is torch's."""
    model = tv.ResNet()
    result = _read(model, (3, 64, 64), tmp_path)
    assert result.total_params == sum(p.numel() for p in model.parameters()) == 11_689_512
    want = _outputs(model, torch.zeros(1, 3, 64, 64))
    assert all(r.shape_known for r in result.layers)
    for r in result.layers:
        if r.name in want:
            assert tuple(r.output) == want[r.name], r.name
    assert tuple(result.output) == (1000,)
    assert result.layer("layer2.0.downsample.0").sources == ("layer1.1.add",)
    assert result.layer("layer2.0.add").sources == ("layer2.0.bn2", "layer2.0.downsample.1")
    block = result.layer("layer1.0")
    assert block.is_block and block.params == 2 * (36_864 + 128)
    assert any("downsample (if any) reads the block's input" in n for n in result.imported["notes"])


def test_resnet50_bottlenecks(tmp_path: Path) -> None:
    model = tv.ResNet((3, 4, 6, 3), block=tv.Bottleneck)
    result = _read(model, (3, 64, 64), tmp_path)
    assert result.total_params == sum(p.numel() for p in model.parameters()) == 25_557_032
    want = _outputs(model, torch.zeros(1, 3, 64, 64))
    for r in result.layers:
        assert r.shape_known and (r.name not in want or tuple(r.output) == want[r.name]), r.name
    assert result.imported["writable"]
    assert_round_trip(result)


def test_densenet_concatenations_followed(tmp_path: Path) -> None:
    """_DenseBlock concatenates its input and every layer's output: rows of their own, every shape known."""
    model = tv.DenseNet()
    result = _read(model, (3, 224, 224), tmp_path)
    assert result.total_params == sum(p.numel() for p in model.parameters()) == 7_978_856
    assert all(r.shape_known for r in result.layers) and tuple(result.output) == (1000,)
    assert tuple(result.layer("features.denseblock1.denselayer2.cat").output) == (96, 56, 56)
    assert any(n.startswith("_DenseBlock: each layer reads") for n in result.imported["notes"])
    # every row against torchvision's own forward: tests/test_import_torchvision_print.py (the real text)


def test_squeeze_excitation_multiplies_its_input(tmp_path: Path) -> None:
    """torchvision's SqueezeExcitation: scale * input, so the shapes after it stay known and right."""

    class SqueezeExcitation(torch.nn.Module):
        def __init__(self, c: int, squeeze: int) -> None:
            super().__init__()
            self.avgpool = torch.nn.AdaptiveAvgPool2d(1)
            self.fc1 = torch.nn.Conv2d(c, squeeze, 1)
            self.fc2 = torch.nn.Conv2d(squeeze, c, 1)
            self.activation = torch.nn.ReLU()
            self.scale_activation = torch.nn.Sigmoid()

        def forward(self, x: Any) -> Any:
            return self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x))))) * x

    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), SqueezeExcitation(8, 2), torch.nn.Conv2d(8, 4, 3))
    result = _read(model, (3, 16, 16), tmp_path)
    assert result.total_params == sum(p.numel() for p in model.parameters())
    assert tuple(result.output) == tuple(model(torch.zeros(1, 3, 16, 16)).shape[1:]) == (4, 12, 12)


def test_vgg_flatten_assumed_and_every_shape_known(tmp_path: Path) -> None:
    model = tv.vgg11()
    result = _read(model, (3, 224, 224), tmp_path)
    assert result.total_params == sum(p.numel() for p in model.parameters()) == 132_863_336
    assert tuple(result.output) == (1000,)
    assert any("torch.flatten(x, 1) assumed" in n for n in result.imported["notes"])
    assert_round_trip(result)
    want = _outputs(model, torch.zeros(1, 3, 224, 224))
    assert all(tuple(r.output) == want[r.name] for r in result.layers if r.name in want)


def test_modulelist_compression_and_multihead_attention(tmp_path: Path) -> None:
    model = tv.Stack()
    assert "(0-3): 4 x Sequential(" in str(model)
    result = _read(model, (10, 16), tmp_path)
    assert result.total_params == sum(p.numel() for p in model.parameters())
    assert [r.name for r in result.layers if r.name.endswith(".1")][:4] == [f"blocks.{i}.1" for i in range(4)]
    assert result.layer("attn.in_proj").params == 3 * 32 * 32 + 3 * 32
    notes = " ".join(result.imported["notes"])
    assert "MultiheadAttention prints only its out_proj" in notes and "Stack" in notes


def test_vit_hidden_parameters_known_by_class_name(tmp_path: Path) -> None:
    """torchvision's ViT keeps class_token and pos_embedding outside its printed children."""

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pos_embedding = torch.nn.Parameter(torch.zeros(1, 17, 32))
            self.ln = torch.nn.LayerNorm(32, eps=1e-6)

    class VisionTransformer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.class_token = torch.nn.Parameter(torch.zeros(1, 1, 32))
            self.conv_proj = torch.nn.Conv2d(3, 32, kernel_size=8, stride=8)
            self.encoder = Encoder()
            self.heads = torch.nn.Sequential(torch.nn.Linear(32, 10))

    model = VisionTransformer()
    result = _read(model, (3, 32, 32), tmp_path)
    assert result.total_params == sum(p.numel() for p in model.parameters())


def test_yaml_refused_when_shapes_are_unknown() -> None:
    from click.testing import CliRunner

    from convcalc.cli import command

    r = CliRunner().invoke(command, [str(INCEPTION), "-i", "3x299x299", "-f", "yaml"])
    assert r.exit_code == 2 and "cannot write it as an equivalent convcalc YAML" in r.stderr


def test_needs_input() -> None:
    with pytest.raises(SpecError) as e:
        api.analyze(str(ROOT / "examples" / "resnet18_print.txt"))
    assert e.value.code == "repr-needs-input"


def test_convnext_layer_scale_and_layernorm2d(tmp_path: Path) -> None:
    """ConvNeXt's CNBlock keeps layer_scale outside its children; LayerNorm2d and Permute print no sizes."""

    class Permute(torch.nn.Module):
        def __init__(self, dims: list[int]) -> None:
            super().__init__()
            self.dims = dims

    class LayerNorm2d(torch.nn.LayerNorm):
        pass

    class CNBlock(torch.nn.Module):
        def __init__(self, dim: int) -> None:
            super().__init__()
            self.block = torch.nn.Sequential(
                torch.nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim), Permute([0, 2, 3, 1]),
                torch.nn.LayerNorm(dim, eps=1e-6), torch.nn.Linear(dim, 4 * dim), torch.nn.GELU(),
                torch.nn.Linear(4 * dim, dim), Permute([0, 3, 1, 2]))
            self.layer_scale = torch.nn.Parameter(torch.ones(dim, 1, 1))

    class ConvNeXt(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = torch.nn.Sequential(
                torch.nn.Sequential(torch.nn.Conv2d(3, 16, kernel_size=4, stride=4), LayerNorm2d(16)),
                CNBlock(16))

    model = ConvNeXt()
    result = _read(model, (3, 32, 32), tmp_path)
    assert result.total_params == sum(p.numel() for p in model.parameters())
    assert result.layer("features.1.layer_scale").params == 16
    rows = {r.name: r for r in result.layers}
    assert tuple(rows["features.0.1"].output) == (16, 8, 8)
    # Permute prints no dims: CNBlock's go channels-last and back, by class name
    assert tuple(rows["features.1.block.1"].output) == (8, 8, 16) and rows["features.1.block.1"].shape_known
    assert tuple(rows["features.1.block.6"].output) == (16, 8, 8)
    notes = result.imported["notes"]
    assert not any("may be hidden" in n for n in notes)  # every class here is torchvision's
    assert any(n.startswith("Permute prints no dims") for n in notes), notes


@pytest.mark.parametrize("fmt", ["table", "plain", "json", "csv", "markdown", "mermaid", "dot"])
def test_every_format_shows_unknown_shapes(fmt: str) -> None:
    from click.testing import CliRunner

    from convcalc.cli import command

    r = CliRunner().invoke(command, [str(INCEPTION), "-i", "3x299x299", "-f", fmt])
    assert r.exit_code == 0, r.output
    if fmt in ("table", "plain", "markdown"):
        assert "27,161,264" in r.stdout and "unknown" in r.stdout
    if fmt == "json":
        assert '"output": null' in r.stdout
    if fmt == "csv":  # the classifier row: its weights, an empty shape
        assert ",fc,dense,,,,weight:1000x2048 bias:1000,2049000," in r.stdout


def test_shipped_fixtures_are_what_torch_prints() -> None:
    """examples/*_print.txt stay what tests/make_print_fixtures.py writes with this torch."""
    import make_print_fixtures as m

    for name, build in m.FIXTURES.items():
        assert (ROOT / "examples" / name).read_text() == f"{build()}\n", name
