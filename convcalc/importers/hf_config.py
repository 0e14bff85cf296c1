"""Hugging Face ``config.json``: the transformers architecture of its ``model_type``, from its fields.

Each supported type is written with convcalc's own layers, as transformers
builds it: one block per encoder/decoder layer, repeated ``num_hidden_layers``
times, names as in the model's state dict.  BERT and GPT-2 attention is
PyTorch's ``MultiheadAttention`` (the same parameters as BERT's
query/key/value/output and GPT-2's packed ``c_attn``/``c_proj``); ViT and the
Llama family use ``gqa`` (``q_proj``…``o_proj``, ``head_dim``, key/value heads).
A tied LM head is a ``tie:`` to the token embedding, so it is counted once, as
``sum(p.numel() for p in model.parameters())`` counts it.  The class counted
follows ``architectures`` where it names one convcalc builds, else the type's
usual one; a note says which.  The sequence length is ``--input`` (default
the config's maximum positions); a ViT's image comes from the config.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .._record import replace
from ..errors import Loc, SpecError
from ..spec.loader import from_data
from ..spec.model import Spec
from . import parse_json, sniffed_json

# model_type -> the classes built, the first the default (the one counted without `architectures`)
CLASSES: dict[str, tuple[str, ...]] = {
    "bert": ("BertModel", "BertForMaskedLM"),
    "gpt2": ("GPT2LMHeadModel", "GPT2Model"),
    "vit": ("ViTModel", "ViTForImageClassification"),
    "llama": ("LlamaForCausalLM", "LlamaModel"),
    "mistral": ("MistralForCausalLM", "MistralModel"),
    "qwen2": ("Qwen2ForCausalLM", "Qwen2Model"),
}
SUPPORTED = tuple(CLASSES)
# transformers' ACT2FN names -> convcalc's activations (none has parameters)
ACTIVATIONS = {"gelu": "gelu", "gelu_new": "gelu", "gelu_pytorch_tanh": "gelu", "gelu_fast": "gelu",
               "quick_gelu": "gelu", "gelu_python": "gelu", "relu": "relu", "silu": "silu",
               "swish": "silu", "tanh": "tanh", "sigmoid": "sigmoid", "mish": "mish"}


def sniff(text: str) -> bool:
    """A JSON object with a top-level ``model_type`` (a Keras JSON has ``class_name`` instead).

    The whole text is searched: transformers sorts the keys, so ``model_type`` comes after
    ``id2label``/``label2id``, which a classifier's 1,000 labels make 45 kB long."""
    if not text.lstrip().startswith("{") or '"model_type"' not in text:
        return False
    if '"class_name"' not in text:
        return True
    data = sniffed_json(text)  # both words: the top-level keys decide (the reader reuses the data)
    return isinstance(data, Mapping) and "model_type" in data and "class_name" not in data


def read(text: str, source: str) -> Spec:
    """A ``config.json`` text -> Spec (framework pytorch)."""
    data = parse_json(text, source, "Hugging Face config")
    return read_data(data, source, text)


def read_data(data: Any, source: str, text: str = "") -> Spec:
    """A config already parsed (``PretrainedConfig.to_dict()``) -> Spec."""
    cfg = _Config(data, source, text)
    model_type = data.get("model_type")
    if model_type not in CLASSES:
        raise SpecError(f"model_type {model_type!r} is not read by convcalc (it reads "
                        f"{', '.join(SUPPORTED)})", code="hf-unknown-model-type", loc=cfg.where("model_type"))
    cls = cfg.architecture(model_type)
    spec_data, max_positions = BUILDERS[model_type](cfg, cls)
    spec_data = {"name": data.get("_name_or_path") or model_type, "framework": "pytorch", **spec_data}
    spec = from_data(spec_data, source, loc=Loc(source, 1, 1))
    cfg.notes.insert(0, f"Hugging Face config.json (model_type {model_type}): counted as transformers' "
                        f"{cls}{cfg.class_note}")
    return replace(spec, loc=Loc(source, 1, 1), input_loc=cfg.where("model_type"),
                   imported={"format": "hf-config", "notes": tuple(cfg.notes),
                             "max_positions": max_positions, "model_type": model_type})


def check(spec: Spec) -> list[str]:
    """The note on the sequence length; a sequence longer than a learned position table is refused
    (transformers fails there too: its position ids index past the table)."""
    imported = spec.imported or {}
    if imported.get("model_type") == "vit":
        return []
    shape = spec.inputs.get("input", ())
    if len(shape) != 1 or not isinstance(shape[0], int) or isinstance(shape[0], bool):
        return []
    limit = imported.get("max_positions")
    if limit is not None and shape[0] > limit:
        raise SpecError(f"the sequence length {shape[0]} is longer than the {imported['model_type']} "
                        f"position table ({limit} positions, max_position_embeddings)",
                        code="hf-sequence-too-long", loc=spec.input_loc)
    if spec.input_loc == Loc("--input"):
        return [f"sequence length {shape[0]} (--input)"]
    return [f"sequence length {shape[0]}: the config's max_position_embeddings (--input N sets another)"]


class _Config:
    """The config's fields, each checked, each error at the place the key is written."""

    def __init__(self, data: Any, source: str, text: str) -> None:
        if not isinstance(data, Mapping):
            raise SpecError(f"a Hugging Face config is a JSON object, not {type(data).__name__}",
                            code="hf-bad-field", loc=Loc(source, 1, 1))
        self.data = data
        self.source = source
        self.text = text
        self.notes: list[str] = []
        self.class_note = ""

    def where(self, key: str) -> Loc:
        """Where ``"key":`` is first written (line:column), else the file."""
        m = re.search(r'"' + re.escape(key) + r'"\s*:', self.text)
        if m is None:
            return Loc(self.source)
        off = m.start()
        line = self.text.count("\n", 0, off) + 1
        return Loc(self.source, line, off - (self.text.rfind("\n", 0, off) + 1) + 1)

    def int(self, *keys: str, default: int) -> int:
        """The first of ``keys`` given (aliases: ``n_embd``/``hidden_size``), a positive whole number;
        none given: transformers' default."""
        for key in keys:
            value = self.data.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SpecError(f"{key} must be a positive whole number, not {value!r}", code="hf-bad-field",
                                loc=self.where(key))
            return value
        return default

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise SpecError(f"{key} must be true or false, not {value!r}", code="hf-bad-field",
                            loc=self.where(key))
        return value

    def eps(self, key: str, default: float) -> float:
        value = self.data.get(key, default)
        return value if isinstance(value, int | float) and not isinstance(value, bool) else default

    def act(self, key: str, default: str, name: str) -> dict[str, Any]:
        """The activation row; one convcalc does not name is an identity row (no weights), with a note."""
        value = self.data.get(key, default)
        kind = ACTIVATIONS.get(value) if isinstance(value, str) else None
        if kind is None:
            self.notes.append(f"{key} {value!r} is not one of convcalc's activations: its rows are "
                              "identities (an activation has no parameters)")
            kind = "identity"
        return {kind: {"name": name}}

    def divides(self, key: str, part: int, whole_key: str, whole: int) -> None:
        """``whole`` must be a multiple of ``part`` (transformers refuses, or fails in the forward)."""
        if whole % part:
            raise SpecError(f"{whole_key} {whole} is not divisible by {key} {part}", code="not-divisible",
                            loc=self.where(key))

    def refuse(self, key: str, why: str) -> None:
        if self.data.get(key):
            raise SpecError(f"{key}: {why} is not read yet", code="hf-unsupported", loc=self.where(key))

    def architecture(self, model_type: str) -> str:
        """The class counted: the first of ``architectures`` convcalc builds, else the default."""
        built = CLASSES[model_type]
        named = self.data.get("architectures")
        named = [named] if isinstance(named, str) else named
        if not isinstance(named, list) or not named:
            self.class_note = " (the config names no architectures)"
            return built[0]
        for cls in named:
            if cls in built:
                return cls
        self.class_note = (f"; architectures names {', '.join(map(str, named))}, which convcalc does not "
                           f"build (it builds {', '.join(built)}): its head is not counted")
        return built[0]


def _seq(cfg: _Config, positions: int) -> list[int]:
    return [positions]


def _bert(cfg: _Config, cls: str) -> tuple[dict[str, Any], int | None]:
    cfg.refuse("add_cross_attention", "cross-attention")
    h, heads = cfg.int("hidden_size", default=768), cfg.int("num_attention_heads", default=12)
    cfg.divides("num_attention_heads", heads, "hidden_size", h)
    eps = cfg.eps("layer_norm_eps", 1e-12)
    positions = cfg.int("max_position_embeddings", default=512)
    p = "bert." if cls != "BertModel" else ""
    layer = [
        {"mha": {"name": "attention.mha", "embed_dim": h, "num_heads": heads, "batch_first": True}},
        {"add": {"name": "attention.residual", "from": [-1, "in"]}},
        {"layernorm": {"name": "attention.output.LayerNorm", "eps": eps}},
        {"dense": {"name": "intermediate.dense", "out": cfg.int("intermediate_size", default=3072)}},
        cfg.act("hidden_act", "gelu", "intermediate.intermediate_act_fn"),
        {"dense": {"name": "output.dense", "out": h}},
        {"add": {"name": "output.residual", "from": [-1, "attention.output.LayerNorm"]}},
        {"layernorm": {"name": "output.LayerNorm", "eps": eps}},
    ]
    word, vocab = f"{p}embeddings.word_embeddings", cfg.int("vocab_size", default=30522)
    layers: list[Any] = [
        {"embedding": {"name": word, "vocab": vocab, "dim": h, "from": "input"}},
        {"embedding": {"name": f"{p}embeddings.position_embeddings", "vocab": positions, "dim": h,
                       "from": "input"}},
        {"embedding": {"name": f"{p}embeddings.token_type_embeddings",
                       "vocab": cfg.int("type_vocab_size", default=2), "dim": h, "from": "input"}},
        {"add": {"name": f"{p}embeddings.sum", "from": [word, f"{p}embeddings.position_embeddings",
                                                         f"{p}embeddings.token_type_embeddings"]}},
        {"layernorm": {"name": f"{p}embeddings.LayerNorm", "eps": eps}},
        {"repeat": {"name": f"{p}encoder.layer", "times": cfg.int("num_hidden_layers", default=12),
                    "layers": ["bert_layer"]}},
    ]
    cfg.notes.append("attention.mha is BERT's query, key, value and attention.output.dense as one "
                     "MultiheadAttention (the same parameters)")
    cfg.notes.append("the position and token-type embeddings look up positions 0…L−1 and type 0 "
                     "(transformers' defaults); their rows read the input ids for the length")
    outputs = None
    if cls == "BertModel":
        layers += [{"select": {"name": "pooler.first_token", "axis": 1, "index": 0}},
                   {"dense": {"name": "pooler.dense", "out": h}}, {"tanh": {"name": "pooler.activation"}}]
        outputs = [f"{p}encoder.layer", "pooler.activation"]
        cfg.notes.append("outputs: last_hidden_state (the encoder's) and pooler_output")
    else:  # BertForMaskedLM: the prediction head; its decoder is the word embedding, its bias new
        if not cfg.flag("tie_word_embeddings", True):  # untied, a second bias is kept unused
            raise SpecError("BertForMaskedLM with tie_word_embeddings false is not read yet (transformers "
                            "then keeps an unused cls.predictions.bias)", code="hf-unsupported",
                            loc=cfg.where("tie_word_embeddings"))
        layers += [{"dense": {"name": "cls.predictions.transform.dense", "out": h}},
                   cfg.act("hidden_act", "gelu", "cls.predictions.transform.transform_act_fn"),
                   {"layernorm": {"name": "cls.predictions.transform.LayerNorm", "eps": eps}},
                   {"dense": {"name": "cls.predictions.decoder", "out": vocab, "tie": word}}]
    return {"input": _seq(cfg, positions), "blocks": {"bert_layer": {"layers": layer}}, "layers": layers,
            **({"outputs": outputs} if outputs else {})}, positions


def _gpt2(cfg: _Config, cls: str) -> tuple[dict[str, Any], int | None]:
    cfg.refuse("add_cross_attention", "cross-attention")
    e = cfg.int("n_embd", "hidden_size", default=768)
    heads = cfg.int("n_head", "num_attention_heads", default=12)
    cfg.divides("n_head" if "n_head" in cfg.data else "num_attention_heads", heads, "n_embd", e)
    positions = cfg.int("n_positions", "max_position_embeddings", default=1024)
    eps = cfg.eps("layer_norm_epsilon", 1e-5)
    p = "transformer." if cls == "GPT2LMHeadModel" else ""
    layer = [
        {"layernorm": {"name": "ln_1", "eps": eps}},
        {"mha": {"name": "attn", "embed_dim": e, "num_heads": heads, "batch_first": True}},
        {"add": {"name": "attn.residual", "from": [-1, "in"]}},
        {"layernorm": {"name": "ln_2", "eps": eps}},
        {"dense": {"name": "mlp.c_fc", "out": cfg.int("n_inner", default=4 * e)}},
        cfg.act("activation_function", "gelu_new", "mlp.act"),
        {"dense": {"name": "mlp.c_proj", "out": e}},
        {"add": {"name": "mlp.residual", "from": [-1, "attn.residual"]}},
    ]
    vocab = cfg.int("vocab_size", default=50257)
    layers: list[Any] = [
        {"embedding": {"name": f"{p}wte", "vocab": vocab, "dim": e, "from": "input"}},
        {"embedding": {"name": f"{p}wpe", "vocab": positions, "dim": e, "from": "input"}},
        {"add": {"name": f"{p}embeddings", "from": [f"{p}wte", f"{p}wpe"]}},
        {"repeat": {"name": f"{p}h", "times": cfg.int("n_layer", "num_hidden_layers", default=12),
                    "layers": ["gpt2_block"]}},
        {"layernorm": {"name": f"{p}ln_f", "eps": eps}},
    ]
    cfg.notes.append("the position embedding wpe looks up positions 0…L−1; its row reads the input ids for "
                     "the length. The attention is written as MultiheadAttention: the parameters of GPT-2's "
                     "packed c_attn and c_proj (its Conv1D weights are stored transposed)")
    if cls == "GPT2LMHeadModel":
        head: dict[str, Any] = {"name": "lm_head", "out": vocab, "bias": False}
        if cfg.flag("tie_word_embeddings", True):
            head["tie"] = f"{p}wte"
        layers.append({"dense": head})
    return {"input": _seq(cfg, positions), "blocks": {"gpt2_block": {"layers": layer}},
            "layers": layers}, positions


def _pair(cfg: _Config, key: str, default: int) -> tuple[int, int]:
    value = cfg.data.get(key, default)
    pair = tuple(value) if isinstance(value, list | tuple) and len(value) == 2 else (value, value)
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in pair):
        raise SpecError(f"{key} must be a positive whole number (or two), not {value!r}", code="hf-bad-field",
                        loc=cfg.where(key))
    return pair  # type: ignore[return-value]


def _vit(cfg: _Config, cls: str) -> tuple[dict[str, Any], int | None]:
    h, heads = cfg.int("hidden_size", default=768), cfg.int("num_attention_heads", default=12)
    head_dim = cfg.int("head_dim", default=h // heads)
    eps = cfg.eps("layer_norm_eps", 1e-12)
    (ih, iw), (ph, pw) = _pair(cfg, "image_size", 224), _pair(cfg, "patch_size", 16)
    channels = cfg.int("num_channels", default=3)
    patches = (ih // ph) * (iw // pw)
    qkv_bias = cfg.flag("qkv_bias", True)
    attention: list[Any] = [{"gqa": {"name": "attention", "heads": heads, "head_dim": head_dim,
                                     "bias": True}}]
    if not qkv_bias:  # q/k/v without biases, o_proj with its own: the bias is a tensor added
        attention = [{"gqa": {"name": "attention.projections", "heads": heads, "head_dim": head_dim}},
                     {"parameter": {"name": "attention.o_proj.bias", "shape": [h]}},
                     {"add": {"name": "attention.output", "from": [-2, "attention.o_proj.bias"]}}]
    layer = [
        {"layernorm": {"name": "layernorm_before", "eps": eps}},
        *attention,
        {"add": {"name": "attention.residual", "from": [-1, "in"]}},
        {"layernorm": {"name": "layernorm_after", "eps": eps}},
        {"dense": {"name": "intermediate.dense", "out": cfg.int("intermediate_size", default=3072)}},
        cfg.act("hidden_act", "gelu", "intermediate.intermediate_act_fn"),
        {"dense": {"name": "output.dense", "out": h}},
        {"add": {"name": "output.residual", "from": [-1, "attention.residual"]}},
    ]
    p = "vit." if cls != "ViTModel" else ""
    layers: list[Any] = [
        {"conv2d": {"name": f"{p}embeddings.patch_embeddings.projection", "out": h, "kernel": [ph, pw],
                    "stride": [ph, pw]}},
        {"flatten": {"start_dim": 2}},
        {"transpose": [1, 2]},
        {"parameter": {"name": f"{p}embeddings.cls_token", "shape": [1, h]}},
        {"concat": {"name": f"{p}embeddings.with_cls_token", "from": [f"{p}embeddings.cls_token", -2],
                    "axis": 1}},
        {"parameter": {"name": f"{p}embeddings.position_embeddings", "shape": [patches + 1, h]}},
        {"add": {"name": f"{p}embeddings", "from": [-2, f"{p}embeddings.position_embeddings"]}},
        {"repeat": {"name": f"{p}encoder.layer", "times": cfg.int("num_hidden_layers", default=12),
                    "layers": ["vit_layer"]}},
        {"layernorm": {"name": f"{p}layernorm", "eps": eps}},
    ]
    outputs = None
    if cls == "ViTModel":
        layers += [{"select": {"name": "pooler.first_token", "axis": 1, "index": 0}},
                   {"dense": {"name": "pooler.dense", "out": cfg.int("pooler_output_size", default=h)}},
                   cfg.act("pooler_act", "tanh", "pooler.activation")]
        outputs = [f"{p}layernorm", "pooler.activation"]
        cfg.notes.append("outputs: last_hidden_state and pooler_output")
    else:  # ViTForImageClassification: the class token's classifier
        layers += [{"select": {"name": "first_token", "axis": 1, "index": 0}},
                   {"dense": {"name": "classifier", "out": _labels(cfg)}}]
    cfg.notes.append(f"the image {channels}×{ih}×{iw} from the config (image_size, num_channels)")
    return {"input": [channels, ih, iw], "blocks": {"vit_layer": {"layers": layer}}, "layers": layers,
            **({"outputs": outputs} if outputs else {})}, None


def _labels(cfg: _Config) -> int:
    """transformers' num_labels: the length of id2label when given, else 2."""
    id2label = cfg.data.get("id2label")
    if isinstance(id2label, Mapping) and id2label:
        return len(id2label)
    return cfg.int("num_labels", default=2)


# the defaults of LlamaConfig, MistralConfig and Qwen2Config (transformers 5): a field not written
LLAMA_DEFAULTS = {
    "llama": {"vocab_size": 32000, "intermediate_size": 11008, "num_key_value_heads": None,
              "max_position_embeddings": 2048},
    "mistral": {"vocab_size": 32000, "intermediate_size": 14336, "num_key_value_heads": 8,
                "max_position_embeddings": 4096 * 32},
    "qwen2": {"vocab_size": 151936, "intermediate_size": 22016, "num_key_value_heads": 32,
              "max_position_embeddings": 32768},
}


def _llama(cfg: _Config, cls: str) -> tuple[dict[str, Any], int | None]:
    """Llama, Mistral and Qwen2: one decoder layer shape; Qwen2 has q/k/v biases, Llama
    ``attention_bias`` (all four) and ``mlp_bias``."""
    model_type = cfg.data["model_type"]
    defaults = LLAMA_DEFAULTS[model_type]
    h, heads = cfg.int("hidden_size", default=4096), cfg.int("num_attention_heads", default=32)
    # not written: the class's default; written as null: as many as the query heads
    kv_default = defaults["num_key_value_heads"] if "num_key_value_heads" not in cfg.data else None
    kv = cfg.int("num_key_value_heads", default=kv_default or heads)
    cfg.divides("num_key_value_heads", kv, "num_attention_heads", heads)
    head_dim = cfg.int("head_dim", default=h // heads)
    ff = cfg.int("intermediate_size", default=defaults["intermediate_size"])
    eps = cfg.eps("rms_norm_eps", 1e-6)
    llama = model_type == "llama"
    attention: dict[str, Any] = {"name": "self_attn", "heads": heads, "kv_heads": kv, "head_dim": head_dim,
                                 "rope": True}
    if llama:
        attention["bias"] = cfg.flag("attention_bias", False)
    elif model_type == "qwen2":
        attention["qkv_bias"] = True
    mlp_bias = cfg.flag("mlp_bias", False) if llama else False
    layer = [
        {"rmsnorm": {"name": "input_layernorm", "eps": eps}},
        {"gqa": attention},
        {"add": {"name": "attention_residual", "from": [-1, "in"]}},
        {"rmsnorm": {"name": "post_attention_layernorm", "eps": eps}},
        {"dense": {"name": "mlp.gate_proj", "out": ff, "bias": mlp_bias}},
        cfg.act("hidden_act", "silu", "mlp.act_fn"),
        {"dense": {"name": "mlp.up_proj", "out": ff, "bias": mlp_bias, "from": "post_attention_layernorm"}},
        {"multiply": {"name": "mlp.gated", "from": ["mlp.act_fn", "mlp.up_proj"]}},
        {"dense": {"name": "mlp.down_proj", "out": h, "bias": mlp_bias}},
        {"add": {"name": "mlp_residual", "from": [-1, "attention_residual"]}},
    ]
    causal = cls.endswith("ForCausalLM")
    p = "model." if causal else ""
    vocab = cfg.int("vocab_size", default=defaults["vocab_size"])
    layers: list[Any] = [
        {"embedding": {"name": f"{p}embed_tokens", "vocab": vocab, "dim": h}},
        {"repeat": {"name": f"{p}layers", "times": cfg.int("num_hidden_layers", default=32),
                    "layers": [f"{model_type}_layer"]}},
        {"rmsnorm": {"name": f"{p}norm", "eps": eps}},
    ]
    if causal:
        head: dict[str, Any] = {"name": "lm_head", "out": vocab, "bias": False}
        tied = cfg.flag("tie_word_embeddings", False)
        if tied:
            head["tie"] = f"{p}embed_tokens"
        layers.append({"dense": head})
        cfg.notes.append(f"the LM head is {'tied to the token embedding' if tied else 'untied'} "
                         "(tie_word_embeddings)")
    cfg.notes.append("rotary position embeddings have no parameters; any --input length is read")
    positions = cfg.int("max_position_embeddings", default=defaults["max_position_embeddings"])
    return {"input": _seq(cfg, positions), "blocks": {f"{model_type}_layer": {"layers": layer}},
            "layers": layers}, None


BUILDERS = {"bert": _bert, "gpt2": _gpt2, "vit": _vit, "llama": _llama, "mistral": _llama, "qwen2": _llama}
