"""Ultralytics model YAML (``backbone:``/``head:`` rows of ``[from, repeats, module, args]``).

Read as Ultralytics 8.4's ``parse_model`` builds the network: the scale's depth, width and
max_channels (``scales:``; or ``depth_multiple``/``width_multiple``), a row's repeats
``max(round(n · depth), 1)`` when n > 1, a module's channels ``make_divisible(min(c2, max_ch) ·
width, 8)`` with Ultralytics's ``ceil(x / 8) · 8``, C3k2's ``c3k`` at scales m, l and x, the
"legacy" class branch of the Detect heads of files without C3k2/C2fCIB/A2C2f rows, SPPF's
activated cv1 in rows of three arguments or fewer, string arguments (``nc``, ``kpt_shape``) read
as parse_model reads them.  The float arithmetic is Python's, as Ultralytics computes it.  Each
row becomes a use of a block (:mod:`.ultralytics_blocks`) named by its index, reading the rows
its ``from`` names; the output is the eval-mode tensor (Detect: ``4 + nc`` rows for every anchor).
"""

from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Any

from .._record import replace
from ..errors import Loc, SpecError
from ..spec.loader import from_data
from ..spec.model import Spec
from ..spec.yamlread import Locator, read_yaml
from . import ultralytics_blocks as B
from .ultralytics_files import _SCALE_IN_NAME, SCALE, scale_option, unified_path

ACTIVATIONS = {"nn.SiLU()": "silu", "nn.ReLU()": "relu", "nn.LeakyReLU(0.1)": "leakyrelu",
               "nn.Hardswish()": "hardswish", "nn.GELU()": "gelu", "nn.Mish()": "mish",
               "nn.ReLU6()": "relu6", "nn.Sigmoid()": "sigmoid", "nn.Tanh()": "tanh"}
REPEAT_MODULES = {"C2f", "C3k2", "C3", "C2", "C2PSA", "C3Ghost", "C2fCIB", "A2C2f"}
BASE_MODULES = REPEAT_MODULES | {"Conv", "DWConv", "GhostConv", "Bottleneck", "SPP", "SPPF", "Classify",
                                 "SCDown", "PSA", "ELAN1", "RepNCSPELAN4", "AConv", "ADown", "SPPELAN",
                                 "nn.ConvTranspose2d"}
HEADS = {"Detect": ("nc", "reg_max", "end2end", "ch"),
         "Segment": ("nc", "nm", "npr", "reg_max", "end2end", "ch"),
         "Pose": ("nc", "kpt_shape", "reg_max", "end2end", "ch"),
         "OBB": ("nc", "ne", "reg_max", "end2end", "ch"), "v10Detect": ("nc", "ch")}
HEAD_DEFAULTS = {"nc": 80, "nm": 32, "npr": 256, "reg_max": 16, "end2end": False, "kpt_shape": (17, 3),
                 "ne": 1}
PLAIN_NN = {"nn.Upsample", "nn.MaxPool2d", "nn.ZeroPad2d", "nn.Identity", "nn.BatchNorm2d",
            "nn.ConvTranspose2d", "nn.AvgPool2d", "nn.Dropout"}
KNOWN = sorted(BASE_MODULES | set(HEADS) | PLAIN_NN | {"Concat"})


def make_divisible(x: float, divisor: int) -> int:
    """Ultralytics's ``utils.ops.make_divisible``: the smallest multiple of divisor >= x."""
    return math.ceil(x / divisor) * divisor


def read(text: str, source: str) -> Spec:
    """An Ultralytics model YAML -> Spec (PyTorch, 3×640×640 unless ``--input``)."""
    data, locator, loc = read_yaml(text, source)
    if not isinstance(data, dict):
        raise SpecError("an Ultralytics model YAML is a mapping with backbone: and head:", loc=loc,
                        code="ultralytics-bad-row")
    reader = _Reader(data, locator, source, loc)
    return reader.spec()


class _Reader:
    def __init__(self, data: dict[str, Any], locator: Locator, source: str, loc: Loc) -> None:
        self.data, self.locator, self.source, self.loc = data, locator, source, loc
        self.notes: list[str] = []
        self.scale, (self.depth, self.width, self.max_ch) = self._scale()
        self.nc = data.get("nc")
        act = data.get("activation")
        if act is not None and act.removeprefix("torch.") not in ACTIVATIONS:
            raise SpecError(f"activation: {act} is not read by convcalc (it reads "
                            f"{', '.join(ACTIVATIONS)})", code="ultralytics-unknown-module",
                            loc=self.locator.value(data, "activation", loc))
        self.act = ACTIVATIONS[act.removeprefix("torch.")] if act else "silu"
        self.blocks: dict[str, Any] = B.fixed(self.act)
        self.layers: list[Any] = []
        self.locs: list[Loc] = []
        self.outputs: list[str] | None = None
        self.legacy = True
        self.summary: list[dict[str, Any]] = []  # Ultralytics's model table: index, from, n, module

    def _scale(self) -> tuple[str, tuple[float, float, float]]:
        data, scales = self.data, self.data.get("scales")
        where = self.locator.key(data, "scales", self.loc) if scales else self.loc
        wanted = SCALE.get()
        if wanted is None:
            m = _SCALE_IN_NAME.search(Path(self.source).stem)
            wanted = m.group(2) if m else None
        if not scales:
            if SCALE.get() is not None:
                raise SpecError(f"--scale {SCALE.get()}: this file has no scales:", loc=self.loc,
                                code="ultralytics-unknown-scale")
            return "", (float(data.get("depth_multiple", 1.0)), float(data.get("width_multiple", 1.0)),
                        float("inf"))
        if not isinstance(scales, dict) or not all(isinstance(v, list) and len(v) == 3
                                                   for v in scales.values()):
            raise SpecError("scales: maps each scale to [depth, width, max_channels]", loc=where,
                            code="ultralytics-bad-row")
        if wanted is None:
            wanted = next(iter(scales))
            self.notes.append(f"no scale given (--scale, or a file name such as yolov8n.yaml): the first "
                              f"listed, {wanted}, as Ultralytics assumes")
        if wanted not in scales:
            raise SpecError(f"scale {wanted} is not among this file's scales ({', '.join(map(str, scales))})",
                            loc=where, code="ultralytics-unknown-scale")
        depth, width, max_ch = scales[wanted]
        return str(wanted), (depth, width, max_ch)

    def spec(self) -> Spec:
        data = self.data
        rows: list[Any] = []
        for part in ("backbone", "head"):
            raw = data.get(part)
            if not isinstance(raw, list):
                raise SpecError(f"{part}: must be a list of [from, repeats, module, args] rows",
                                loc=self.locator.key(data, part, self.loc), code="ultralytics-bad-row")
            rows += [(row, self.locator.item(raw, i, self.loc)) for i, row in enumerate(raw)]
        channels = data.get("channels", 3)  # the model's input channels (DetectionModel's `ch`)
        if not isinstance(channels, int) or isinstance(channels, bool) or channels < 1:
            raise SpecError(f"channels: {channels!r} must be a whole number of at least 1",
                            code="ultralytics-bad-row", loc=self.locator.value(data, "channels", self.loc))
        ch: list[int] = [channels]
        for i, (row, where) in enumerate(rows):
            if not (isinstance(row, list) and len(row) == 4 and isinstance(row[2], str)
                    and isinstance(row[3], list)):
                raise SpecError("a row is [from, repeats, module, args]", loc=where,
                                code="ultralytics-bad-row")
            c2 = self.row(i, row, ch, where)
            if i == 0:
                ch = []
            ch.append(c2)
        name = Path(self.source).stem + (f" ({self.scale})" if self.scale else "")
        spec_data: dict[str, Any] = {"name": name, "framework": "pytorch", "input": [channels, 640, 640],
                                     "blocks": _used(self.blocks, self.layers), "layers": self.layers}
        if self.outputs:
            spec_data["outputs"] = self.outputs
        spec = from_data(spec_data, self.source, None, self.loc)
        layers = tuple(replace(layer, loc=loc) for layer, loc in zip(spec.layers, self.locs, strict=True))
        notes = [f"Ultralytics scale {self.scale or '-'}: depth {self.depth}, width {self.width}, "
                 f"max_channels {self.max_ch}", *self.notes]
        return replace(spec, layers=layers, declared=False, input_loc=self.loc,
                       imported={"format": "ultralytics", "scale": self.scale, "notes": tuple(notes),
                                 "rows": tuple(self.summary)})

    # ------------------------------------------------------------------ one row

    def value(self, raw: Any) -> Any:
        """A string argument as parse_model reads it: a name it knows, else a Python literal."""
        if not isinstance(raw, str):
            return raw
        names = {"nc": self.nc, "kpt_shape": self.data.get("kpt_shape"), "scale": self.scale,
                 "reg_max": self.data.get("reg_max", 16), "end2end": self.data.get("end2end")}
        if raw in names:
            return names[raw]
        try:
            return ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            return raw

    def row(self, i: int, row: list[Any], ch: list[int], where: Loc) -> int:
        f, n, m, raw_args = row
        mloc = self.locator.item(row, 2, where)
        args = [self.value(a) for a in raw_args]
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise SpecError(f"repeats {n!r}: a whole number of at least 1", code="ultralytics-bad-row",
                            loc=self.locator.item(row, 1, where))
        froms = f if isinstance(f, list) else [f]
        if not froms or not all(isinstance(x, int) and not isinstance(x, bool) for x in froms):
            raise SpecError(f"from {f!r}: a row index or a list of them", code="ultralytics-bad-row",
                            loc=self.locator.item(row, 0, where))
        for x in froms:
            if not -len(ch) <= x < max(len(ch), 1) or (i > 0 and x >= i):
                raise SpecError(f"from {x}: row {i} can read rows 0 to {i - 1} (or -1 back)",
                                code="ultralytics-bad-row", loc=self.locator.item(row, 0, where))
        n = max(round(n * self.depth), 1) if n > 1 else n
        self.summary.append({"index": i, "from": f, "n": n, "module": m})
        sources = [self.ref(i, x) for x in froms]
        entry: dict[str, Any] = {"name": str(i)}
        if not isinstance(f, list) and f == -1:
            pass
        elif not isinstance(f, list):
            entry["from"] = sources[0]
        else:
            entry["from"] = sources
        if m not in KNOWN:
            raise SpecError(f"Ultralytics module {m} is not read by convcalc (it reads {', '.join(KNOWN)})",
                            code="ultralytics-unknown-module", loc=mloc)
        c1 = ch[froms[0]] if not isinstance(f, list) else None
        if m in BASE_MODULES:
            return self.base(m, n, args, c1, entry, mloc)
        if m == "Concat":
            entry["axis"] = args[0] if args else 1
            self.add({"concat": entry}, mloc)
            return sum(ch[x] for x in froms)
        if m in HEADS:
            return self.head(m, args, [ch[x] for x in froms], entry, mloc)
        if m == "nn.BatchNorm2d":
            args = [c1]
        self.add({m: _plain(args), **entry}, mloc, n)
        return c1 if c1 is not None else 0

    def ref(self, i: int, x: int) -> str:
        j = i + x if x < 0 else x
        return "input" if j < 0 else str(j)

    def add(self, item: dict[str, Any], loc: Loc, n: int = 1) -> None:
        """One row's layer entry; n > 1 (a module that takes no repeats): nn.Sequential of n copies."""
        if n > 1:
            meta = {k: item.pop(k) for k in ("name", "from") if k in item}
            (kind, value), = item.items()
            if isinstance(value, dict):
                meta.update({k: value.pop(k) for k in ("name", "from") if k in value})
            if "from" in meta:
                raise SpecError(f"a row with {n} repeats that reads other than the previous row is not "
                                "read yet", code="ultralytics-unsupported", loc=loc)
            item = {"repeat": {"name": meta["name"], "times": n, "layers": [{kind: value}]}}
        self.layers.append(item)
        self.locs.append(loc)

    def base(self, m: str, n: int, args: list[Any], c1: int | None, entry: dict[str, Any], loc: Loc) -> int:
        if c1 is None:
            raise SpecError(f"{m} reading several rows is not read yet", code="ultralytics-unsupported",
                            loc=loc)
        c2 = args[0] if args else 0
        if not isinstance(c2, int) or isinstance(c2, bool):
            raise SpecError(f"{m}: its first argument (the channels) must be a whole number, not {c2!r}",
                            code="ultralytics-bad-row", loc=loc)
        if m != "Classify":
            c2 = make_divisible(min(c2, self.max_ch) * self.width, 8)
        rest = args[1:]
        kw: dict[str, Any]
        if m == "C3k2":
            self.legacy = False
            sig = ["c3k", "e", "attn", "g", "shortcut"]
            kw = _bind(m, sig, rest, loc)
            if self.scale in {"m", "l", "x"}:
                kw["c3k"] = True
            attn, c3k = bool(kw.pop("attn", False)), bool(kw.pop("c3k", False))
            name = f"C3k2_{n}" + ("_attn" if attn else "_c3k" if c3k else "")
            self.blocks.setdefault(name, B.c3k2(n, c3k, attn))
            kw["c"] = int(c2 * kw.pop("e", 0.5))
            return self.use(name, {"c2": c2, **kw}, entry, loc, c2)
        if m == "C2fCIB":
            self.legacy = False
            kw = _bind(m, ["shortcut", "lk", "g", "e"], rest, loc)
            lk = bool(kw.pop("lk", False))
            name = f"C2fCIB_{n}" + ("_lk" if lk else "")
            self.blocks.setdefault(name, B.c2fcib(n, lk))
            self.blocks.setdefault("CIB_lk" if lk else "CIB", B.cib(lk))
            kw["c"] = int(c2 * kw.pop("e", 0.5))
            return self.use(name, {"c2": c2, **kw}, entry, loc, c2)
        if m in ("ELAN1", "RepNCSPELAN4", "SPPELAN", "AConv", "ADown"):  # YOLOv9: only c2 is scaled
            sig = {"ELAN1": ["c3", "c4"], "RepNCSPELAN4": ["c3", "c4", "n"],
                   "SPPELAN": ["c3", "k"]}.get(m, [])
            return self.use(m, {"c2": c2, **_bind(m, sig, rest, loc)}, entry, loc, c2, n)
        if m == "A2C2f":
            self.legacy = False
            kw = _bind(m, ["a2", "area", "residual", "mlp_ratio", "e", "g", "shortcut"], rest, loc)
            if self.scale in {"l", "x"}:  # parse_model's args.extend((True, 1.2)) after the row's own
                kw = _bind(m, ["a2", "area", "residual", "mlp_ratio", "e", "g", "shortcut"],
                           [*rest, True, 1.2], loc)
            c_ = int(c2 * kw.pop("e", 0.5))
            if c_ % 32:
                raise SpecError(f"A2C2f: its hidden channels {c_} must be a multiple of 32 (Ultralytics "
                                "asserts it)", code="ultralytics-bad-row", loc=loc)
            a2, residual = bool(kw.pop("a2", True)), bool(kw.pop("residual", False))
            name = f"A2C2f_{n}" + ("" if a2 else "_c3k") + ("_residual" if a2 and residual else "")
            self.blocks.setdefault(name, B.a2c2f(n, a2, residual))
            hidden = int(c_ * kw.pop("mlp_ratio", 2.0))
            return self.use(name, {"c2": c2, "c_": c_, "hidden": hidden, **kw}, entry, loc, c2)
        if m == "SCDown":
            return self.use(m, {"c2": c2, **_bind(m, ["k", "s"], rest, loc)}, entry, loc, c2, n)
        if m == "PSA":
            kw = _bind(m, ["e"], rest, loc)
            if c1 != c2:
                raise SpecError(f"PSA needs as many channels out as in (Ultralytics asserts c1 == c2), not "
                                f"{c1} and {c2}", code="ultralytics-bad-row", loc=loc)
            return self.use(m, {"c2": c2, "c": int(c1 * kw.pop("e", 0.5))}, entry, loc, c2, n)
        if m == "C3Ghost":  # shortcut and g are taken and not used: its GhostBottlenecks have neither
            kw = _bind(m, ["shortcut", "g", "e"], rest, loc)
            return self.use(m, {"c2": c2, "c_": int(c2 * kw.get("e", 0.5)), "n": n}, entry, loc, c2,
                            n_done=True)
        if m == "GhostConv":
            kw = _bind(m, ["k", "s", "g", "act"], rest, loc)
            if not isinstance(kw.get("act", True), bool):
                raise SpecError(f"{m}: act={kw['act']!r} (a module) is not read yet",
                                code="ultralytics-unsupported", loc=loc)
            return self.use(m, {"c2": c2, **kw}, entry, loc, c2, n)
        if m in ("C2f", "C3", "C2"):
            kw = _bind(m, ["shortcut", "g", "e"], rest, loc)
            name = f"C2f_{n}" if m == "C2f" else m
            if m == "C2f":
                self.blocks.setdefault(name, B.c2f(n))
            kw["c_" if m == "C3" else "c"] = int(c2 * kw.pop("e", 0.5))
            return self.use(name, {"c2": c2, **({} if m == "C2f" else {"n": n}), **kw}, entry, loc, c2)
        if m == "C2PSA":
            kw = _bind(m, ["e"], rest, loc)
            if c1 != c2:
                raise SpecError(f"C2PSA needs as many channels out as in (Ultralytics asserts c1 == c2), not "
                                f"{c1} and {c2}", code="ultralytics-bad-row", loc=loc)
            return self.use("C2PSA", {"c2": c2, "n": n, "c": int(c1 * kw.pop("e", 0.5))}, entry, loc, c2,
                            n_done=True)
        if m in ("Conv", "DWConv"):
            sig = ["k", "s", "p", "g", "d", "act"] if m == "Conv" else ["k", "s", "d", "act"]
            kw = _bind(m, sig, rest, loc)
            if m == "DWConv":
                kw["g"] = math.gcd(c1, c2)
            if kw.get("p") is None:
                kw.pop("p", None)
            for key in ("k", "p"):
                if isinstance(kw.get(key), list | tuple):
                    raise SpecError(f"{m} with a kernel or padding per axis is not read yet",
                                    code="ultralytics-unsupported", loc=loc)
            if not isinstance(kw.get("act", True), bool):
                raise SpecError(f"{m}: act={kw['act']!r} (a module) is not read yet",
                                code="ultralytics-unsupported", loc=loc)
            return self.use("Conv", {"c2": c2, **kw}, entry, loc, c2, n)
        if m == "Bottleneck":
            kw = _bind(m, ["shortcut", "g", "k", "e"], rest, loc)
            k = kw.pop("k", (3, 3))
            k1, k2 = (_side(v) for v in k)
            kw["c_"] = int(c2 * kw.pop("e", 0.5))
            return self.use("Bottleneck", {"c2": c2, **kw, "k1": k1, "k2": k2}, entry, loc, c2, n)
        if m == "SPPF":
            kw = _bind(m, ["k", "n", "shortcut"], rest, loc)
            count = kw.pop("n", 3)
            name = f"SPPF_{count}"
            self.blocks.setdefault(name, B.sppf(count))
            kw["act1"] = len(args) + 1 <= 3
            return self.use(name, {"c2": c2, **kw}, entry, loc, c2, n)
        if m == "SPP":
            ks = tuple(_bind(m, ["k"], rest, loc).get("k", (5, 9, 13)))
            name = "SPP_" + "_".join(map(str, ks))
            self.blocks.setdefault(name, B.spp(ks))
            return self.use(name, {"c2": c2}, entry, loc, c2, n)
        if m == "Classify":
            kw = _bind(m, ["k", "s", "p", "g"], rest, loc)
            if kw.get("p") is None:
                kw.pop("p", None)
            self.outputs = None
            return self.use("Classify", {"c2": c2, **kw}, entry, loc, c2, n)
        # nn.ConvTranspose2d(c1, c2, *args[1:])
        self.add({m: _plain([c1, c2, *rest]), **entry}, loc, n)
        return c2

    def use(self, block: str, kwargs: dict[str, Any], entry: dict[str, Any], loc: Loc, c2: int,
            n: int = 1, n_done: bool = False) -> int:
        if "shortcut" in kwargs:  # a flag the blocks compare (`$shortcut == 1 and c1 == c2`)
            kwargs["shortcut"] = int(bool(kwargs["shortcut"]))
        self.add({block: {**entry, **kwargs}}, loc, 1 if n_done else n)
        return c2

    def head(self, m: str, args: list[Any], chs: list[int], entry: dict[str, Any], loc: Loc) -> int:
        args = [*args, chs] if m == "v10Detect" else [*args, self.data.get("reg_max", 16),
                                                      self.data.get("end2end"), chs]
        if m == "Segment" and len(args) > 2 and isinstance(args[2], int):
            args[2] = make_divisible(min(args[2], self.max_ch) * self.width, 8)
        kw = _bind(m, list(HEADS[m]), args, loc)
        kw = {**{k: HEAD_DEFAULTS[k] for k in (*HEADS[m], "reg_max") if k in HEAD_DEFAULTS}, **kw}
        end2end = m == "v10Detect" or bool(kw.pop("end2end", False))
        if end2end and m != "v10Detect" and m != "Detect":
            raise SpecError(f"{m} with end2end is not read yet", code="ultralytics-unsupported", loc=loc)
        kw.pop("ch")
        nc, reg_max = kw["nc"], kw["reg_max"]
        if not isinstance(nc, int):
            raise SpecError(f"{m}: nc is {nc!r}; the file's nc: must be a whole number", loc=loc,
                            code="ultralytics-bad-row")
        if not isinstance(reg_max, int) or reg_max < 1:
            raise SpecError(f"{m}: reg_max {reg_max!r} must be a whole number of at least 1", loc=loc,
                            code="ultralytics-bad-row")
        kw["c2"], kw["c3"] = max(16, chs[0] // 4, reg_max * 4), max(chs[0], min(nc, 100))
        extra = {"Segment": "nm", "OBB": "ne"}.get(m)
        if m == "Pose":
            kpt = kw.pop("kpt_shape")
            kw["nk"] = int(kpt[0]) * int(kpt[1])
            extra = "nk"
        if extra:
            kw["c4"] = max(chs[0] // 4, kw[extra])
        legacy = self.legacy and m != "v10Detect"  # v10Detect has its own light class branch
        kind = "Detect" if m == "v10Detect" else m
        name = (f"{m}_{len(chs)}" + ("_legacy" if legacy else "")
                + ("_end2end" if end2end and kind == m else "") + ("" if reg_max > 1 else "_nodfl"))
        self.blocks.setdefault(name, B.head(kind, len(chs), legacy, end2end, reg_max > 1))
        self.add({name: {**entry, **kw}}, loc)
        if m == "Segment":
            self.outputs = [f"{entry['name']}.out", f"{entry['name']}.proto"]
        if end2end:
            self.notes.append(f"{m}'s one-to-one branches (one2one_*) run beside the one-to-many ones; "
                              "the output is the one-to-many decode, Ultralytics's eval output until a "
                              "predictor or exporter switches end2end on (then the top 300 as [x1, y1, x2, "
                              "y2, score, class])")
        return 4 + nc + (kw[extra] if extra else 0)


def _used(blocks: dict[str, Any], layers: list[Any]) -> dict[str, Any]:
    """The blocks the layers use, directly or inside other blocks (a written spec keeps only those)."""
    seen: set[str] = set()

    def walk(entries: list[Any]) -> None:
        for entry in entries:
            for kind, value in entry.items() if isinstance(entry, dict) else ():
                if kind == "repeat":
                    walk(value["layers"])
                elif kind in blocks and kind not in seen:
                    seen.add(kind)
                    walk(blocks[kind]["layers"])

    walk(layers)
    return {name: body for name, body in blocks.items() if name in seen}


def _bind(m: str, names: list[str], values: list[Any], loc: Loc) -> dict[str, Any]:
    """Positional arguments after c1, c2 (and n) as the module's keyword arguments."""
    if len(values) > len(names):
        raise SpecError(f"{m} takes {len(names)} arguments after its channels ({', '.join(names)}), "
                        f"not {len(values)}", code="ultralytics-bad-row", loc=loc)
    return dict(zip(names, values, strict=False))


def _side(k: Any) -> int:
    """A Bottleneck kernel, ``3`` or ``(3, 3)``: its side (square kernels only)."""
    if isinstance(k, list | tuple):
        if len(set(k)) != 1:
            raise SpecError(f"a Bottleneck kernel {tuple(k)} that is not square is not read yet",
                            code="ultralytics-unsupported")
        return int(k[0])
    return int(k)


def _plain(args: list[Any]) -> list[Any]:
    """A torch.nn module's positional arguments as a layer entry's list (tuples as lists)."""
    return [_plain(list(a)) if isinstance(a, list | tuple) else a for a in args]


def read_scaled_name(path: str) -> Spec | None:
    """``yolov8n.yaml`` that does not exist, beside a ``yolov8.yaml`` that does: that file at scale n."""
    alt = unified_path(path)
    if alt is None:
        return None
    from ..spec.yamlread import read_file

    m = _SCALE_IN_NAME.search(Path(path).stem)
    with scale_option(SCALE.get() or (m.group(2) if m else None)):
        spec = read(read_file(alt), alt)
    imported = dict(spec.imported or {})
    said = f"{Path(path).name} is {Path(alt).name} at scale {imported.get('scale')}"
    return replace(spec, imported={**imported, "notes": (*imported.get("notes", ()), said)})
