"""Tiny randomly initialised image-to-video checkpoints, built in code and saved like real ones.

Mirrors diffusers' `get_dummy_components()` for each family, with two changes that
keep everything offline: the T5 text encoder comes from a `T5Config`, and its
tokenizer is a small unigram (sentencepiece-style) model trained here on a few
sentences. The result is `save_pretrained` to a directory with the same layout as
a downloaded checkpoint, so tests load it through the production path.

    build_tiny_weights(root, "wan2.1") -> Path  # or any of VARIANTS
    tiny_spec(root, "wan2.1", name="tiny-wan") -> DiffusionSpec  # builds the weights too
    tiny_model_setting(root, "wan2.1") -> dict  # the same, as one entry of the `models` setting (JSON)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from stillmotion.engines.diffusion.spec import DiffusionSpec, Family, SpeedOptions

Variant = Literal[
    "wan2.1", "wan2.2", "wan2.2-ti2v", "ltx", "ltx-condition", "ltx2", "hunyuanvideo1.5", "kandinsky6", "cogvideox"
]
VARIANTS: tuple[Variant, ...] = (
    "wan2.1", "wan2.2", "wan2.2-ti2v", "ltx", "ltx-condition", "ltx2", "hunyuanvideo1.5", "kandinsky6", "cogvideox",
)

TEXT_DIM = 32  # the T5 width; every tiny transformer's text/caption dimension must equal it
_CORPUS = [
    "a cat walks along the beach at sunset while waves roll in",
    "slow camera push in, gentle wind in the trees, soft light",
    "blurry, low quality, static, distorted, watermark, text",
    "the city at night with rain and neon reflections on the street",
]

FAMILY: dict[Variant, Family] = {
    "wan2.1": "wan", "wan2.2": "wan", "wan2.2-ti2v": "wan",
    "ltx": "ltx", "ltx-condition": "ltx", "ltx2": "ltx2", "hunyuanvideo1.5": "hunyuanvideo15",
    "kandinsky6": "kandinsky6", "cogvideox": "cogvideox",
}
NATIVE_SIZE: dict[Variant, tuple[int, int]] = {
    # Small enough for a CPU test, large enough for every VAE's downsampling and each family's grid.
    "wan2.1": (64, 36), "wan2.2": (64, 36), "wan2.2-ti2v": (64, 36),
    "ltx": (64, 36), "ltx-condition": (64, 36), "ltx2": (64, 36), "hunyuanvideo1.5": (64, 36),
    "kandinsky6": (64, 36), "cogvideox": (16, 16),
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


def tiny_bpe_tokenizer() -> Any:
    """A byte-level BPE tokenizer trained on a few sentences, wrapped as Qwen2's, with a chat
    template in Qwen's shape (HunyuanVideo-1.5 formats its prompt through it)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import Qwen2TokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    bpe.train_from_iterator(_CORPUS, trainer)
    tokenizer = Qwen2TokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    tokenizer.chat_template = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
        "{{ m['content'] if m['content'] is string else m['content'][0]['text'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    return tokenizer


def tiny_gemma_tokenizer() -> Any:
    from tokenizers import SentencePieceUnigramTokenizer
    from transformers import GemmaTokenizerFast

    model = SentencePieceUnigramTokenizer()
    model.train_from_iterator(_CORPUS, vocab_size=64, special_tokens=["<pad>", "<eos>", "<bos>", "<unk>"],
                              unk_token="<unk>", show_progress=False)
    return GemmaTokenizerFast(tokenizer_object=model._tokenizer, pad_token="<pad>", eos_token="<eos>",
                              bos_token="<bos>", unk_token="<unk>")


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


def _ltx2_components() -> tuple[Any, dict[str, Any]]:
    """LTX-2 as in diffusers' own fast tests, with the Gemma 3 encoder built from its config and a
    vocoder whose upsampling equals the mel hop, so the sound lasts as long as the picture."""
    import torch
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        FlowMatchEulerDiscreteScheduler,
        LTX2ImageToVideoPipeline,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, Gemma3TextConfig, SiglipVisionConfig

    torch.manual_seed(0)
    text = Gemma3TextConfig(vocab_size=64, hidden_size=TEXT_DIM, intermediate_size=16, num_hidden_layers=2,
                            num_attention_heads=2, num_key_value_heads=1, head_dim=8, sliding_window=16)
    vision = SiglipVisionConfig(hidden_size=8, intermediate_size=8, num_hidden_layers=1, num_attention_heads=2,
                                image_size=8, patch_size=4)
    encoder = Gemma3ForConditionalGeneration(
        Gemma3Config(text_config=text.to_dict(), vision_config=vision.to_dict(), mm_tokens_per_image=4)
    ).eval()
    connector = {"num_attention_heads": 4, "attention_head_dim": 8, "num_layers": 1, "num_learnable_registers": None}
    connectors = LTX2TextConnectors(
        caption_channels=TEXT_DIM, text_proj_in_factor=text.num_hidden_layers + 1,
        **{f"video_connector_{key}": value for key, value in connector.items()},
        **{f"audio_connector_{key}": value for key, value in connector.items()},
        connector_rope_base_seq_len=32, rope_theta=10000.0, rope_double_precision=False,
        causal_temporal_positioning=False, rope_type="split",
    )
    transformer = LTX2VideoTransformer3DModel(
        in_channels=4, out_channels=4, patch_size=1, patch_size_t=1, num_attention_heads=2, attention_head_dim=8,
        cross_attention_dim=16, audio_in_channels=4, audio_out_channels=4, audio_num_attention_heads=2,
        audio_attention_head_dim=4, audio_cross_attention_dim=8, num_layers=2, qk_norm="rms_norm_across_heads",
        caption_channels=TEXT_DIM, rope_double_precision=False, rope_type="split",
    )
    vae = AutoencoderKLLTX2Video(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8,), decoder_block_out_channels=(8,),
        layers_per_block=(1,), decoder_layers_per_block=(1, 1), spatio_temporal_scaling=(True,),
        decoder_spatio_temporal_scaling=(True,), decoder_inject_noise=(False, False), downsample_type=("spatial",),
        upsample_residual=(False,), upsample_factor=(1,), timestep_conditioning=False, patch_size=1,
        patch_size_t=1, encoder_causal=True, decoder_causal=False,
    )
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4, output_channels=2, ch_mult=(1,), num_res_blocks=1, attn_resolutions=None, in_channels=2,
        resolution=32, latent_channels=2, norm_type="pixel", causality_axis="height", dropout=0.0,
        mid_block_add_attention=False, sample_rate=16000, mel_hop_length=160, is_causal=True, mel_bins=8,
    )
    vocoder = LTX2Vocoder(
        in_channels=4 * 4, hidden_channels=32, out_channels=2, upsample_kernel_sizes=[20, 8, 8],
        upsample_factors=[10, 4, 4], resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]],
        leaky_relu_negative_slope=0.1, output_sampling_rate=16000,
    )
    return LTX2ImageToVideoPipeline, {
        "transformer": transformer, "vae": vae, "audio_vae": audio_vae, "vocoder": vocoder,
        "scheduler": FlowMatchEulerDiscreteScheduler(), "text_encoder": encoder, "tokenizer": tiny_gemma_tokenizer(),
        "connectors": connectors, "processor": None, "prompt_enhancer": None, "duration_head": None,
    }


def _hunyuanvideo15_components() -> tuple[Any, dict[str, Any]]:
    """HunyuanVideo-1.5 image-to-video as in diffusers' fast tests, with a SigLIP image encoder,
    a Qwen2.5-VL text model and a T5 for ByT5 glyphs, all from configs."""
    import torch
    from diffusers import (
        AutoencoderKLHunyuanVideo15,
        FlowMatchEulerDiscreteScheduler,
        HunyuanVideo15ImageToVideoPipeline,
        HunyuanVideo15Transformer3DModel,
    )
    from diffusers.guiders import ClassifierFreeGuidance
    from transformers import (
        ByT5Tokenizer,
        Qwen2_5_VLTextConfig,
        Qwen2_5_VLTextModel,
        SiglipImageProcessor,
        SiglipVisionConfig,
        SiglipVisionModel,
        T5Config,
        T5EncoderModel,
    )

    torch.manual_seed(0)
    tokenizer = tiny_bpe_tokenizer()
    transformer = HunyuanVideo15Transformer3DModel(
        in_channels=9, out_channels=4, num_attention_heads=2, attention_head_dim=8, num_layers=2,
        num_refiner_layers=1, mlp_ratio=2.0, patch_size=1, patch_size_t=1, text_embed_dim=16, text_embed_2_dim=32,
        image_embed_dim=12, rope_axes_dim=(2, 2, 4), target_size=32, task_type="i2v",
    )
    vae = AutoencoderKLHunyuanVideo15(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(16, 16), layers_per_block=1,
        spatial_compression_ratio=4, temporal_compression_ratio=2, downsample_match_channel=False,
        upsample_match_channel=False,
    )
    text_encoder = Qwen2_5_VLTextModel(Qwen2_5_VLTextConfig(
        vocab_size=len(tokenizer), hidden_size=16, intermediate_size=16, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=2, rope_scaling={"mrope_section": [1, 1, 2], "rope_type": "default", "type": "default"},
        rope_theta=1e6,
    ))
    glyph_encoder = T5EncoderModel(T5Config(vocab_size=384, d_model=32, d_kv=4, d_ff=16, num_layers=2, num_heads=2,
                                            relative_attention_num_buckets=8))
    image_encoder = SiglipVisionModel(SiglipVisionConfig(hidden_size=12, intermediate_size=16, num_hidden_layers=1,
                                                         num_attention_heads=2, image_size=16, patch_size=4))
    return HunyuanVideo15ImageToVideoPipeline, {
        "transformer": transformer.eval(), "vae": vae.eval(), "scheduler": FlowMatchEulerDiscreteScheduler(shift=7.0),
        "text_encoder": text_encoder.eval(), "tokenizer": tokenizer, "text_encoder_2": glyph_encoder.eval(),
        "tokenizer_2": ByT5Tokenizer(), "guider": ClassifierFreeGuidance(guidance_scale=6.0),
        "image_encoder": image_encoder.eval(), "feature_extractor": SiglipImageProcessor(size={"height": 16, "width": 16}),
    }


def _kandinsky6_components() -> tuple[Any, dict[str, Any]]:
    """Kandinsky 6 (text/image to video and audio): a Qwen2.5-VL text model and a CLIP text encoder
    from configs, the HunyuanVideo VAE, and MMAudio's VAE and vocoder with the vocoder's upsampling
    equal to the mel hop, so the sound lasts as long as the picture.

    The real checkpoint's `tokenizer` is a Qwen2.5-VL processor; building one needs its video
    processor, which needs torchvision (not installed here), so the tiny checkpoint holds the bare
    Qwen2 tokenizer: the pipeline only calls it on text. The pipeline crops the first 129 tokens
    (the length of its prompt template in Qwen's real vocabulary); with this tiny vocabulary the
    template is longer, so the crop keeps template tokens rather than the prompt. The weights are
    random either way: this is a plumbing model.
    """
    import torch
    from diffusers import (
        AutoencoderKLHunyuanVideo,
        FlowMatchEulerDiscreteScheduler,
        Kandinsky6TI2VAPipeline,
        Kandinsky6Transformer3DModel,
        MMAudioVAE,
        MMAudioVocoder,
    )
    from transformers import (
        CLIPTextConfig,
        CLIPTextModel,
        CLIPTokenizerFast,
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
    )

    torch.manual_seed(0)
    tokenizer = tiny_bpe_tokenizer()
    special = {"bos_token_id": tokenizer.convert_tokens_to_ids("<|im_start|>"), "eos_token_id": tokenizer.eos_token_id,
               "pad_token_id": tokenizer.pad_token_id}
    text_encoder = Qwen2_5_VLForConditionalGeneration(Qwen2_5_VLConfig(
        text_config={"vocab_size": len(tokenizer), "hidden_size": 16, "intermediate_size": 16, "num_hidden_layers": 2,
                     "num_attention_heads": 2, "num_key_value_heads": 2, **special,
                     "rope_scaling": {"mrope_section": [1, 1, 2], "rope_type": "default", "type": "default"}},
        vision_config={"depth": 1, "hidden_size": 16, "intermediate_size": 16, "num_heads": 2, "out_hidden_size": 16},
    ))
    clip_tokenizer = CLIPTokenizerFast(tokenizer_object=tiny_bpe_tokenizer().backend_tokenizer,
                                       bos_token="<|im_start|>", eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                       unk_token="<|endoftext|>")
    clip = CLIPTextModel(CLIPTextConfig(vocab_size=len(tokenizer), hidden_size=8, intermediate_size=16,
                                        num_hidden_layers=1, num_attention_heads=2, max_position_embeddings=77,
                                        projection_dim=8, **special))
    vae = AutoencoderKLHunyuanVideo(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8, 8, 8, 8), layers_per_block=1,
        norm_num_groups=4, spatial_compression_ratio=8, temporal_compression_ratio=4, mid_block_add_attention=True,
    )
    audio_vae = MMAudioVAE(mel_bins=8, latent_channels=4, hidden_channels=8, channel_multipliers=(1, 2),
                           layers_per_block=1, sample_rate=16000, n_fft=64, hop_length=32)
    vocoder = MMAudioVocoder(num_mels=8, upsample_initial_channel=16, upsample_rates=(4, 4, 2),  # 32 = the mel hop
                             upsample_kernel_sizes=(8, 8, 4), resblock_kernel_sizes=(3,),
                             resblock_dilation_sizes=((1, 3),))
    transformer = Kandinsky6Transformer3DModel(
        in_visual_dim=4, out_visual_dim=4, in_text_dim=16, in_text_dim2=8, time_dim=16, patch_size=(1, 2, 2),
        model_dim=16, ff_dim=32, num_text_blocks=1, num_visual_blocks=2, axes_dims=(2, 2, 4), visual_cond=True,
        in_audio_dim=4, out_audio_dim=4, visual_token_type_num_embeddings=2,
    )
    return Kandinsky6TI2VAPipeline, {
        "transformer": transformer.eval(), "vae": vae.eval(), "text_encoder": text_encoder.eval(),
        "tokenizer": tokenizer, "text_encoder_2": clip.eval(), "tokenizer_2": clip_tokenizer,
        "scheduler": FlowMatchEulerDiscreteScheduler(shift=5.0), "audio_vae": audio_vae.eval(),
        "vocoder": vocoder.eval(),
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
    family = FAMILY[variant]
    if family == "wan":
        pipeline_type, components = _wan_components(variant)
    elif family == "ltx":
        pipeline_type, components = _ltx_components(variant)
    elif family == "ltx2":
        pipeline_type, components = _ltx2_components()
    elif family == "hunyuanvideo15":
        pipeline_type, components = _hunyuanvideo15_components()
    elif family == "kandinsky6":
        pipeline_type, components = _kandinsky6_components()
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


def build_tiny_lora(weights_dir: Path, target: Path, rank: int = 2, expert: str = "high") -> Path:
    """A random LoRA for a tiny Wan transformer in diffusers' file format (like a distillation LoRA);
    `expert="low"` makes it for Wan 2.2's low-noise `transformer_2`, as Lightning ships one per expert.

    B is random, not zero as in training initialisation, so fusing it visibly changes the output.
    """
    import torch
    from diffusers import WanImageToVideoPipeline, WanTransformer3DModel
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    folder = "transformer_2" if expert == "low" else "transformer"
    transformer = WanTransformer3DModel.from_pretrained(weights_dir / folder, local_files_only=True)
    torch.manual_seed(1 if expert == "high" else 2)
    transformer.add_adapter(
        LoraConfig(r=rank, lora_alpha=rank, init_lora_weights=False, target_modules=["to_q", "to_k", "to_v"])
    )
    target.mkdir(parents=True, exist_ok=True)
    WanImageToVideoPipeline.save_lora_weights(
        target, transformer_lora_layers=get_peft_model_state_dict(transformer), weight_name=f"{expert}.safetensors"
    )
    return target / f"{expert}.safetensors"


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
