"""Tiny randomly initialised image-to-video checkpoints, built in code and saved like real ones.

Mirrors diffusers' `get_dummy_components()` for each family, with two changes that
keep everything offline: the T5 text encoder comes from a `T5Config`, and its
tokenizer is a small unigram (sentencepiece-style) model trained here on a few
sentences. The result is `save_pretrained` to a directory with the same layout as
a downloaded checkpoint, so tests load it through the production path.

    build_tiny_weights(root, "wan2.1") -> Path  # also "wan2.2", "wan2.2-ti2v", "ltx", "ltx-condition", "cogvideox"
    tiny_spec(root, "wan2.1", name="tiny-wan") -> DiffusionSpec  # builds the weights too
    tiny_model_setting(root, "wan2.1") -> dict  # the same, as one entry of the `models` setting (JSON)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from stillmotion.engines.diffusion.spec import DiffusionSpec, Family, SpeedOptions

Variant = Literal["wan2.1", "wan2.2", "wan2.2-ti2v", "ltx", "ltx-condition", "cogvideox"]
VARIANTS: tuple[Variant, ...] = ("wan2.1", "wan2.2", "wan2.2-ti2v", "ltx", "ltx-condition", "cogvideox")

TEXT_DIM = 32  # the T5 width; every tiny transformer's text/caption dimension must equal it
_CORPUS = [
    "a cat walks along the beach at sunset while waves roll in",
    "slow camera push in, gentle wind in the trees, soft light",
    "blurry, low quality, static, distorted, watermark, text",
    "the city at night with rain and neon reflections on the street",
]

FAMILY: dict[Variant, Family] = {
    "wan2.1": "wan", "wan2.2": "wan", "wan2.2-ti2v": "wan",
    "ltx": "ltx", "ltx-condition": "ltx", "cogvideox": "cogvideox",
}
NATIVE_SIZE: dict[Variant, tuple[int, int]] = {
    # Small enough for a CPU test, large enough for every VAE's downsampling and each family's grid.
    "wan2.1": (64, 36), "wan2.2": (64, 36), "wan2.2-ti2v": (64, 36),
    "ltx": (64, 36), "ltx-condition": (64, 36), "cogvideox": (16, 16),
}


def tiny_tokenizer() -> Any:
    """A 64-piece unigram tokenizer trained on a few sentences, wrapped as a T5 tokenizer."""
    from tokenizers import SentencePieceUnigramTokenizer
    from transformers import T5TokenizerFast

    model = SentencePieceUnigramTokenizer()
    model.train_from_iterator(
        _CORPUS, vocab_size=64, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>", show_progress=False
    )
    return T5TokenizerFast(
        tokenizer_object=model._tokenizer, pad_token="<pad>", eos_token="</s>", unk_token="<unk>", extra_ids=0
    )


def tiny_text_encoder(umt5: bool = False) -> Any:
    """T5 for LTX and CogVideoX; UMT5 (same shape, per-layer position buckets) for Wan, as in the real ones."""
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    config_type, model_type = (UMT5Config, UMT5EncoderModel) if umt5 else (T5Config, T5EncoderModel)
    config = config_type(
        d_model=TEXT_DIM, d_kv=4, d_ff=16, num_layers=2, num_heads=2,
        relative_attention_num_buckets=8, vocab_size=64, decoder_start_token_id=0,
    )
    return model_type(config).eval()


def _wan_transformer(in_channels: int, out_channels: int, image_dim: int | None) -> Any:
    from diffusers import WanTransformer3DModel

    return WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=in_channels,
        out_channels=out_channels, text_dim=TEXT_DIM, freq_dim=256, ffn_dim=32, num_layers=2,
        cross_attn_norm=True, qk_norm="rms_norm_across_heads", rope_max_seq_len=32, image_dim=image_dim,
    )


def _wan_components(variant: Variant) -> tuple[Any, dict[str, Any]]:
    import torch
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        UniPCMultistepScheduler,
        WanImageToVideoPipeline,
    )
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    torch.manual_seed(0)
    common = {"base_dim": 3, "dim_mult": [1, 1, 1, 1], "num_res_blocks": 1, "temperal_downsample": [False, True, True]}
    components: dict[str, Any] = {
        "text_encoder": tiny_text_encoder(umt5=True), "tokenizer": tiny_tokenizer(),
        "transformer_2": None, "image_encoder": None, "image_processor": None,
    }
    if variant == "wan2.2-ti2v":
        components["vae"] = AutoencoderKLWan(
            z_dim=48, in_channels=12, out_channels=12, is_residual=True, patch_size=2, latents_mean=[0.0] * 48,
            latents_std=[1.0] * 48, scale_factor_spatial=16, scale_factor_temporal=4, **common,
        )
        components["transformer"] = _wan_transformer(48, 48, None)
        components["scheduler"] = UniPCMultistepScheduler(
            prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0
        )
        return WanImageToVideoPipeline, {**components, "expand_timesteps": True}
    components["vae"] = AutoencoderKLWan(z_dim=16, **common)
    if variant == "wan2.2":
        components["transformer"] = _wan_transformer(36, 16, None)
        components["transformer_2"] = _wan_transformer(36, 16, None)
        components["scheduler"] = UniPCMultistepScheduler(
            prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0
        )
        return WanImageToVideoPipeline, {**components, "boundary_ratio": 0.875}
    components["transformer"] = _wan_transformer(36, 16, 4)
    components["image_encoder"] = CLIPVisionModel(
        CLIPVisionConfig(hidden_size=4, projection_dim=4, num_hidden_layers=2, num_attention_heads=2,
                         image_size=32, intermediate_size=16, patch_size=1)
    )
    components["image_processor"] = CLIPImageProcessor(crop_size=32, size=32)
    components["scheduler"] = FlowMatchEulerDiscreteScheduler(shift=7.0)
    return WanImageToVideoPipeline, components


def _ltx_components(variant: Variant) -> tuple[Any, dict[str, Any]]:
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXConditionPipeline,
        LTXImageToVideoPipeline,
        LTXVideoTransformer3DModel,
    )

    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4, attention_head_dim=8,
        cross_attention_dim=32, num_layers=1, caption_channels=TEXT_DIM,
    )
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False), decoder_inject_noise=(False,) * 5,
        upsample_residual=(False,) * 4, upsample_factor=(1,) * 4, timestep_conditioning=False,
        patch_size=1, patch_size_t=1, encoder_causal=True, decoder_causal=False,
    )
    pipeline = LTXConditionPipeline if variant == "ltx-condition" else LTXImageToVideoPipeline
    return pipeline, {
        "transformer": transformer, "vae": vae, "scheduler": FlowMatchEulerDiscreteScheduler(),
        "text_encoder": tiny_text_encoder(), "tokenizer": tiny_tokenizer(),
    }


def _cogvideox_components() -> tuple[Any, dict[str, Any]]:
    import torch
    from diffusers import (
        AutoencoderKLCogVideoX,
        CogVideoXImageToVideoPipeline,
        CogVideoXTransformer3DModel,
        DDIMScheduler,
    )

    torch.manual_seed(0)
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=2, attention_head_dim=16, in_channels=8, out_channels=4, time_embed_dim=2,
        text_embed_dim=TEXT_DIM, num_layers=1, sample_width=2, sample_height=2, sample_frames=9, patch_size=2,
        temporal_compression_ratio=4, max_text_seq_length=16, use_rotary_positional_embeddings=True,
        use_learned_positional_embeddings=True,
    )
    vae = AutoencoderKLCogVideoX(
        in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * 4,
        up_block_types=("CogVideoXUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8), latent_channels=4,
        layers_per_block=1, norm_num_groups=2, temporal_compression_ratio=4,
    )
    return CogVideoXImageToVideoPipeline, {
        "transformer": transformer, "vae": vae, "scheduler": DDIMScheduler(),
        "text_encoder": tiny_text_encoder(), "tokenizer": tiny_tokenizer(),
    }


def build_tiny_weights(root: Path, variant: Variant = "wan2.1") -> Path:
    """Save a tiny random checkpoint of `variant` under `root/variant` (reused if already there)."""
    target = Path(root) / variant
    if (target / "model_index.json").is_file():
        return target
    if FAMILY[variant] == "wan":
        pipeline_type, components = _wan_components(variant)
    elif FAMILY[variant] == "ltx":
        pipeline_type, components = _ltx_components(variant)
    else:
        pipeline_type, components = _cogvideox_components()
    pipeline_type(**components).save_pretrained(target)
    return target


def tiny_spec(root: Path, variant: Variant = "wan2.1", name: str = "tiny-wan", **options: Any) -> DiffusionSpec:
    """A CPU, float32, 2-step spec over freshly built tiny weights; `options` override spec fields."""
    speed = options.pop("speed", SpeedOptions(dtype="float32", device="cpu"))
    return DiffusionSpec(
        name=name,
        family=FAMILY[variant],
        weights_dir=build_tiny_weights(root, variant),
        steps=2,
        native_size=NATIVE_SIZE[variant],
        max_sequence_length=16,
        speed=speed,
        **options,
    )


def tiny_model_setting(root: Path, variant: Variant = "wan2.1") -> dict[str, Any]:
    """One `models` setting entry serving the tiny checkpoint, for end-to-end server tests:
    `STILLMOTION_MODELS=json.dumps({"tiny-wan": tiny_model_setting(tmp_path)})`."""
    width, height = NATIVE_SIZE[variant]
    return {
        "family": FAMILY[variant],
        "weights_dir": str(build_tiny_weights(root, variant)),
        "steps": 2,
        "native_size": [width, height],
        "max_sequence_length": 16,
        "speed": {"dtype": "float32", "device": "cpu"},
    }


def build_tiny_lora(weights_dir: Path, target: Path, rank: int = 2) -> Path:
    """A random LoRA for the tiny Wan transformer in diffusers' file format (like a distillation LoRA).

    B is random, not zero as in training initialisation, so fusing it visibly changes the output.
    """
    import torch
    from diffusers import WanImageToVideoPipeline, WanTransformer3DModel
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    transformer = WanTransformer3DModel.from_pretrained(weights_dir / "transformer", local_files_only=True)
    torch.manual_seed(1)
    transformer.add_adapter(
        LoraConfig(r=rank, lora_alpha=rank, init_lora_weights=False, target_modules=["to_q", "to_k", "to_v"])
    )
    target.mkdir(parents=True, exist_ok=True)
    WanImageToVideoPipeline.save_lora_weights(
        target, transformer_lora_layers=get_peft_model_state_dict(transformer), weight_name="distill.safetensors"
    )
    return target / "distill.safetensors"


def main(argv: list[str]) -> None:
    """`python -m tests.diffusion.tiny_models [VARIANT] ROOT`: build a tiny checkpoint under ROOT and
    print the `STILLMOTION_MODELS` value that serves it as `tiny-<family>` (docs/diffusion.md's recipe)."""
    import json

    *variant, root = argv
    chosen: Variant = variant[0] if variant else "wan2.1"  # type: ignore[assignment]
    if chosen not in VARIANTS:
        raise SystemExit(f"variant must be one of {', '.join(VARIANTS)}")
    print(json.dumps({f"tiny-{FAMILY[chosen]}": tiny_model_setting(Path(root), chosen)}))


if __name__ == "__main__":
    import os
    import sys

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main(sys.argv[1:])
