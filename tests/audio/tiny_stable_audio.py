"""A tiny randomly initialised Stable Audio Open checkpoint, built in code and saved like a real one.

Mirrors diffusers' `StableAudioPipelineFastTests.get_dummy_components()`, with the
T5 encoder and tokenizer built offline (shared with the diffusion engine's tests)
and a VAE rate high enough (8 kHz) for the output to carry measurable sound.
"""

from __future__ import annotations

from pathlib import Path

from tests.diffusion.tiny_models import TEXT_DIM, tiny_text_encoder, tiny_tokenizer

SAMPLING_RATE = 8000
LATENT_LENGTH = 512  # with the VAE's hop of 2: up to 0.128 s of audio, so longer clips are tiled


def build_tiny_stable_audio(root: Path) -> Path:
    import torch
    from diffusers import (
        AutoencoderOobleck,
        CosineDPMSolverMultistepScheduler,
        StableAudioDiTModel,
        StableAudioPipeline,
        StableAudioProjectionModel,
    )

    torch.manual_seed(0)
    transformer = StableAudioDiTModel(
        sample_size=LATENT_LENGTH, in_channels=3, num_layers=2, attention_head_dim=4,
        num_key_value_attention_heads=2, out_channels=3, cross_attention_dim=4, time_proj_dim=8,
        global_states_input_dim=8, cross_attention_input_dim=4,
    )  # fmt: skip
    scheduler = CosineDPMSolverMultistepScheduler(
        solver_order=2, prediction_type="v_prediction", sigma_data=1.0, sigma_schedule="exponential"
    )
    vae = AutoencoderOobleck(
        encoder_hidden_size=6, downsampling_ratios=[1, 2], decoder_channels=3, decoder_input_channels=3,
        audio_channels=2, channel_multiples=[2, 4], sampling_rate=SAMPLING_RATE,
    )  # fmt: skip
    tokenizer = tiny_tokenizer()
    tokenizer.model_max_length = 25  # Stable Audio pads every prompt to this length (the real one: 128)
    projection = StableAudioProjectionModel(text_encoder_dim=TEXT_DIM, conditioning_dim=4, min_value=0, max_value=32)
    pipe = StableAudioPipeline(
        transformer=transformer, scheduler=scheduler, vae=vae, text_encoder=tiny_text_encoder(),
        tokenizer=tokenizer, projection_model=projection,
    )  # fmt: skip
    pipe.save_pretrained(root)
    return root
