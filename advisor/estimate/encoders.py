"""Encoder-only models: BERT and its descendants, ViT and CLIP.

Each reader follows its Hugging Face ``modeling_*.py`` base model (``BertModel`` with its
pooler, ``DistilBertModel``, ``DebertaV2Model``, ``ModernBertModel``, ``CLIPModel``); task heads
are not counted, except a ViT whose ``architectures`` names ``ViTForImageClassification``
(its classifier, as in the published 86.6M of vit-base-patch16-224).
"""

from __future__ import annotations

from dataclasses import replace

from advisor.estimate.decoders import finish
from advisor.estimate.params import Block, ConfigReader, dense_stack, norm, shape
from advisor.models.arch import ArchType, ModelArch, ModuleShape

ENC = "encoder"

BERT_LIKE = ("bert", "roberta", "xlm-roberta", "camembert", "xlm-roberta-xl")
"""model_types laid out as modeling_bert.py (absolute positions, token types, pooler)."""


def _bert_block(r: ConfigReader, hidden: int, heads: int) -> Block:
    return Block(
        hidden=hidden, heads=heads, kv_heads=heads, head_dim=hidden // heads,
        intermediate=r.req("intermediate_size"), gated=False, q="query", k="key", v="value",
        o="attention.output.dense", up="intermediate.dense", down="output.dense",
        qkv_bias=True, o_bias=True, mlp_bias=True, norm_bias=True,
    )  # fmt: skip


def bert(r: ConfigReader, model_type: str) -> ModelArch:
    """BERT, RoBERTa, XLM-R, CamemBERT: ``BertModel`` including the pooler (``dense`` h→h)."""
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    vocab = r.req("vocab_size")
    positions = r.req("max_position_embeddings")
    types = r.num("type_vocab_size", default=2) or 0
    b = _bert_block(r, hidden, heads)
    mods: list[ModuleShape] = [
        shape("word_embeddings", "embedding", vocab, hidden, 1, stack=ENC),
        shape("position_embeddings", "embedding", positions, hidden, 1, stack=ENC),
    ]
    if types:
        mods.append(shape("token_type_embeddings", "embedding", types, hidden, 1, stack=ENC))
    mods += [
        norm("embeddings.LayerNorm", hidden, 1, bias=True, stack=ENC),
        *dense_stack(b, layers, ENC),
        shape("pooler.dense", "other", hidden, hidden, 1, bias=True, stack=ENC),
    ]
    return finish(model_type, ArchType.ENCODER, mods, **b.facts(layers, vocab, positions))


def distilbert(r: ConfigReader, model_type: str) -> ModelArch:
    """DistilBERT: ``dim``, ``n_layers``, ``n_heads``, ``hidden_dim``; no token types, no pooler."""
    hidden = r.req("dim", "hidden_size")
    layers = r.req("n_layers", "num_hidden_layers")
    heads = r.req("n_heads", "num_attention_heads")
    vocab = r.req("vocab_size")
    positions = r.num("max_position_embeddings", default=512) or 512
    b = Block(
        hidden=hidden, heads=heads, kv_heads=heads, head_dim=hidden // heads,
        intermediate=r.num("hidden_dim") or 4 * hidden, gated=False, q="q_lin", k="k_lin",
        v="v_lin", o="out_lin", up="lin1", down="lin2", qkv_bias=True, o_bias=True,
        mlp_bias=True, norm_bias=True,
    )  # fmt: skip
    mods = [
        shape("word_embeddings", "embedding", vocab, hidden, 1, stack=ENC),
        shape("position_embeddings", "embedding", positions, hidden, 1, stack=ENC),
        norm("embeddings.LayerNorm", hidden, 1, bias=True, stack=ENC),
        *dense_stack(b, layers, ENC),
    ]
    return finish(model_type, ArchType.ENCODER, mods, **b.facts(layers, vocab, positions))


def deberta_v2(r: ConfigReader, model_type: str) -> ModelArch:
    """DeBERTa-v2/v3 (``modeling_deberta_v2.py``): disentangled relative attention.

    Relative position table ``rel_embeddings`` of 2·``position_buckets`` rows (or
    2·``max_relative_positions``); absolute positions only when ``position_biased_input``;
    ``embed_proj`` when ``embedding_size`` ≠ hidden; separate positional projections only when
    ``share_att_key`` is false; a convolution layer when ``conv_kernel_size`` > 0.
    """
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    vocab = r.req("vocab_size")
    positions = r.num("max_position_embeddings", default=512) or 512
    emb = r.num("embedding_size") or hidden
    b = _bert_block(r, hidden, heads)
    b = replace(b, q="query_proj", k="key_proj", v="value_proj")
    mods: list[ModuleShape] = [shape("word_embeddings", "embedding", vocab, emb, 1, stack=ENC)]
    if r.flag("position_biased_input", True):
        mods.append(shape("position_embeddings", "embedding", positions, emb, 1, stack=ENC))
    types = r.num("type_vocab_size", default=0) or 0
    if types:
        mods.append(shape("token_type_embeddings", "embedding", types, emb, 1, stack=ENC))
    if emb != hidden:
        mods.append(shape("embed_proj", "other", emb, hidden, 1, stack=ENC))
    mods.append(norm("embeddings.LayerNorm", hidden, 1, bias=True, stack=ENC))
    mods += dense_stack(b, layers, ENC)
    if r.flag("relative_attention", False):
        buckets = r.num("position_buckets", default=-1, negative_ok=True) or -1
        max_rel = r.num("max_relative_positions", default=-1, negative_ok=True) or -1
        rows = buckets if buckets > 0 else (max_rel if max_rel > 0 else positions)
        mods.append(shape("rel_embeddings", "embedding", 2 * rows, hidden, 1, stack=ENC))
        if "layer_norm" in (r.text("norm_rel_ebd") or "none"):
            mods.append(norm("encoder.LayerNorm", hidden, 1, bias=True, stack=ENC))
        att_types = r.config.get("pos_att_type") or []
        if isinstance(att_types, str):
            att_types = att_types.split("|")
        if not r.flag("share_att_key", False):
            if "c2p" in att_types:
                mods.append(shape("pos_key_proj", "attention", hidden, hidden, layers, bias=True,
                                  stack=ENC))  # fmt: skip
            if "p2c" in att_types:
                mods.append(shape("pos_query_proj", "attention", hidden, hidden, layers,
                                  bias=True, stack=ENC))  # fmt: skip
    kernel = r.num("conv_kernel_size", default=0) or 0
    if kernel:
        mods += [
            shape("conv", "other", hidden * kernel, hidden, 1, bias=True, stack=ENC),
            norm("conv.LayerNorm", hidden, 1, bias=True, stack=ENC),
        ]
    return finish(model_type, ArchType.ENCODER, mods, **b.facts(layers, vocab, positions))


def modernbert(r: ConfigReader, model_type: str) -> ModelArch:
    """ModernBERT (``modeling_modernbert.py``): fused ``Wqkv``, GLU ``Wi`` (h → 2·I), no biases
    by default, no norm before the first layer's attention, rotary positions."""
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    vocab = r.req("vocab_size")
    inter = r.req("intermediate_size")
    attn_bias = r.flag("attention_bias", False)
    mlp_bias = r.flag("mlp_bias", False)
    norm_bias = r.flag("norm_bias", False)
    b = Block(
        hidden=hidden, heads=heads, kv_heads=heads, head_dim=hidden // heads,
        intermediate=inter, gated=True, fused_qkv="Wqkv", o="Wo",
    )  # fmt: skip
    mods = [
        shape("tok_embeddings", "embedding", vocab, hidden, 1, stack=ENC),
        norm("embeddings.norm", hidden, 1, bias=norm_bias, stack=ENC),
        shape("Wqkv", "attention", hidden, 3 * hidden, layers, bias=attn_bias, stack=ENC),
        shape("Wo", "attention", hidden, hidden, layers, bias=attn_bias, stack=ENC),
        shape("Wi", "mlp", hidden, 2 * inter, layers, bias=mlp_bias, stack=ENC),
        shape("Wo", "mlp", inter, hidden, layers, bias=mlp_bias, stack=ENC),
        norm("attn_norm", hidden, layers - 1, bias=norm_bias, stack=ENC),
        norm("mlp_norm", hidden, layers, bias=norm_bias, stack=ENC),
        norm("final_norm", hidden, 1, bias=norm_bias, stack=ENC),
    ]
    facts = b.facts(layers, vocab, r.num("max_position_embeddings"))
    return finish(model_type, ArchType.ENCODER, mods, **facts)


def vision_tower(
    r: ConfigReader, *, stack: str, clip_style: bool, class_token: bool = True, head: bool = False
) -> tuple[list[ModuleShape], Block, int]:
    """A ViT-style image encoder (ViT, CLIP vision, SigLIP vision), its block and layer count.

    Patches of ``patch_size`` from ``image_size`` images; ViT and CLIP add a class token
    (``num_patches + 1`` positions), SigLIP does not. CLIP's patch convolution has no bias and
    it adds a pre-LayerNorm; SigLIP (``head``) adds an attention-pooling head.
    """
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    inter = r.req("intermediate_size")
    image = r.req("image_size")
    patch = r.req("patch_size")
    channels = r.num("num_channels", default=3) or 3
    patches = (image // patch) ** 2
    b = Block(
        hidden=hidden, heads=heads, kv_heads=heads, head_dim=hidden // heads,
        intermediate=inter, gated=False, o="out_proj", up="fc1", down="fc2",
        qkv_bias=r.flag("qkv_bias", True), o_bias=True, mlp_bias=True, norm_bias=True,
    )  # fmt: skip
    mods: list[ModuleShape] = [
        shape("patch_embedding", "other", channels * patch * patch, hidden, 1,
              bias=not clip_style, stack=stack),
        shape("position_embedding", "embedding", patches + int(class_token), hidden, 1,
              stack=stack),
    ]  # fmt: skip
    if class_token:
        mods.append(shape("class_embedding", "other", 1, hidden, 1, stack=stack))
    if clip_style:
        mods.append(norm("pre_layrnorm", hidden, 1, bias=True, stack=stack))
    mods += dense_stack(b, layers, stack)
    mods.append(norm("post_layernorm", hidden, 1, bias=True, stack=stack))
    if head:  # SiglipMultiheadAttentionPoolingHead: probe, attention, LayerNorm, MLP
        mods += [
            shape("head.probe", "other", 1, hidden, 1, stack=stack),
            shape("head.attention.in_proj", "attention", hidden, 3 * hidden, 1, bias=True,
                  stack=stack),
            shape("head.attention.out_proj", "attention", hidden, hidden, 1, bias=True,
                  stack=stack),
            norm("head.layernorm", hidden, 1, bias=True, stack=stack),
            shape("head.mlp.fc1", "mlp", hidden, inter, 1, bias=True, stack=stack),
            shape("head.mlp.fc2", "mlp", inter, hidden, 1, bias=True, stack=stack),
        ]  # fmt: skip
    return mods, b, layers


def vit(r: ConfigReader, model_type: str) -> ModelArch:
    """ViT (``modeling_vit.py``): class token, learned positions, biased patch projection.

    ``ViTForImageClassification`` has no pooler and a classifier h → ``len(id2label)``;
    ``ViTModel`` has the pooler ``dense`` h→h.
    """
    mods, b, layers = vision_tower(r, stack=ENC, clip_style=False)
    archs = r.config.get("architectures") or []
    if any(str(a).endswith("ForImageClassification") for a in archs):
        labels = r.config.get("id2label")
        n = len(labels) if isinstance(labels, dict) and labels else r.num("num_labels") or 2
        mods.append(shape("classifier", "other", b.hidden, n, 1, bias=True, stack=ENC))
    else:
        mods.append(shape("pooler.dense", "other", b.hidden, b.hidden, 1, bias=True, stack=ENC))
    return finish(model_type, ArchType.VISION, mods, **b.facts(layers, None, None))


CLIP_TEXT_DEFAULTS = {
    "vocab_size": 49408, "hidden_size": 512, "intermediate_size": 2048,
    "num_hidden_layers": 12, "num_attention_heads": 8, "max_position_embeddings": 77,
}  # fmt: skip
"""transformers ``CLIPTextConfig`` defaults (configs often omit keys equal to them)."""

CLIP_VISION_DEFAULTS = {
    "hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
    "num_attention_heads": 12, "image_size": 224, "patch_size": 32, "num_channels": 3,
}  # fmt: skip
"""transformers ``CLIPVisionConfig`` defaults."""


def with_defaults(r: ConfigReader | None, defaults: dict[str, int], where: str) -> ConfigReader:
    """``r`` with ``defaults`` filling the keys it leaves out (HF drops keys equal to them)."""
    values = dict(r.config) if r else {}
    merged = {**defaults, **{k: v for k, v in values.items() if v is not None}}
    return ConfigReader(merged, r.source if r else where)


def clip(r: ConfigReader, model_type: str) -> ModelArch:
    """CLIP (``modeling_clip.py``): a text tower, a vision tower, two projections, logit scale."""
    text = with_defaults(r.sub("text_config"), CLIP_TEXT_DEFAULTS, "text_config")
    vision = with_defaults(r.sub("vision_config"), CLIP_VISION_DEFAULTS, "vision_config")
    th = text.req("hidden_size")
    vocab = text.req("vocab_size")
    positions = text.req("max_position_embeddings")
    tlayers = text.req("num_hidden_layers")
    theads = text.req("num_attention_heads")
    tb = Block(
        hidden=th, heads=theads, kv_heads=theads, head_dim=th // theads,
        intermediate=text.req("intermediate_size"), gated=False, o="out_proj", up="fc1",
        down="fc2", qkv_bias=True, o_bias=True, mlp_bias=True, norm_bias=True,
    )  # fmt: skip
    proj = r.num("projection_dim", default=512) or 512
    vmods, vb, _ = vision_tower(vision, stack="vision", clip_style=True)
    mods = [
        shape("token_embedding", "embedding", vocab, th, 1, stack="text"),
        shape("position_embedding", "embedding", positions, th, 1, stack="text"),
        *dense_stack(tb, tlayers, "text"),
        norm("final_layer_norm", th, 1, bias=True, stack="text"),
        *vmods,
        shape("visual_projection", "other", vb.hidden, proj, 1, stack="projector"),
        shape("text_projection", "other", th, proj, 1, stack="projector"),
        shape("logit_scale", "other", 1, 1, 1, stack="projector"),
    ]
    return finish(model_type, ArchType.ENCODER, mods, **tb.facts(tlayers, vocab, positions))


def mpnet(r: ConfigReader, model_type: str) -> ModelArch:
    """MPNet (``modeling_mpnet.py``): BERT's block (q/k/v/o with bias), no token-type table, a
    relative position bias table (``relative_attention_num_buckets`` × heads) shared by all
    layers, and the pooler (``dense`` h→h) of ``MPNetModel``."""
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    vocab = r.req("vocab_size")
    positions = r.req("max_position_embeddings")
    b = _bert_block(r, hidden, heads)
    b = replace(b, q="q", k="k", v="v", o="o")
    buckets = r.num("relative_attention_num_buckets", default=32) or 32
    mods = [
        shape("word_embeddings", "embedding", vocab, hidden, 1, stack=ENC),
        shape("position_embeddings", "embedding", positions, hidden, 1, stack=ENC),
        norm("embeddings.LayerNorm", hidden, 1, bias=True, stack=ENC),
        *dense_stack(b, layers, ENC),
        shape("relative_attention_bias", "other", buckets, heads, 1, stack=ENC),
        shape("pooler.dense", "other", hidden, hidden, 1, bias=True, stack=ENC),
    ]
    return finish(model_type, ArchType.ENCODER, mods, **b.facts(layers, vocab, positions))


def electra(r: ConfigReader, model_type: str) -> ModelArch:
    """ELECTRA (``modeling_electra.py``): BERT embeddings of width ``embedding_size`` with
    ``embeddings_project`` to the hidden size when they differ, BERT blocks, no pooler;
    ``ElectraForPreTraining`` (the discriminator) adds ``discriminator_predictions``
    (dense h→h, dense_prediction h→1)."""
    hidden = r.req("hidden_size")
    layers = r.req("num_hidden_layers")
    heads = r.req("num_attention_heads")
    vocab = r.req("vocab_size")
    positions = r.num("max_position_embeddings", default=512) or 512
    emb = r.num("embedding_size") or hidden
    types = r.num("type_vocab_size", default=2) or 0
    b = _bert_block(r, hidden, heads)
    mods = [
        shape("word_embeddings", "embedding", vocab, emb, 1, stack=ENC),
        shape("position_embeddings", "embedding", positions, emb, 1, stack=ENC),
        shape("token_type_embeddings", "embedding", types, emb, 1, stack=ENC),
        norm("embeddings.LayerNorm", emb, 1, bias=True, stack=ENC),
        *dense_stack(b, layers, ENC),
    ]
    if emb != hidden:
        mods.append(shape("embeddings_project", "other", emb, hidden, 1, bias=True, stack=ENC))
    if "ElectraForPreTraining" in (r.config.get("architectures") or []):
        mods += [
            shape("discriminator_predictions.dense", "other", hidden, hidden, 1, bias=True,
                  stack="head"),
            shape("discriminator_predictions.dense_prediction", "other", hidden, 1, 1,
                  bias=True, stack="head"),
        ]  # fmt: skip
    return finish(model_type, ArchType.ENCODER, mods, **b.facts(layers, vocab, positions))
