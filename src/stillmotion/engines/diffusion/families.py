"""Each family's native format and how a request maps onto it.

A model generates at its own frame rate and size rules (Wan: 4k+1 frames at 16 fps,
sides multiple of 16; LTX: 8k+1 frames, multiples of 32, frame rate conditioned;
CogVideoX: 8N+1 frames at 8 fps or 16N+1 at 16 fps). We generate the fewest native
frames that cover the requested duration at the largest native size that fits the
output's aspect, then interpolation and upscaling reach the exact request.
The rules are read from the loaded pipeline (VAE compression, patch sizes) so the
tiny test models and the real checkpoints go through the same arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from stillmotion.engines.diffusion.spec import DiffusionSpec, Family


@dataclass(frozen=True)
class FamilyDefaults:
    pipeline_class: str
    accepted_classes: tuple[str, ...]
    """`_class_name` values in model_index.json that we know how to load for this family."""
    steps: int
    guidance_scale: float
    """Guidance the model's authors recommend; the API's default cfg_scale (5.0) maps to it."""
    native_size: tuple[int, int]
    max_frames: int
    max_sequence_length: int
    pipeline_kwargs: dict[str, Any]
    fps: float | None = None
    """The rate the model generates at; None: conditioned on the requested rate (LTX, LTX-2)."""
    frame_step: int | None = None
    """Frame counts are frame_step * k + 1; None: the VAE's temporal compression (read at load)."""
    own_audio: bool = False
    """The model generates a sound track with the picture (LTX-2, Kandinsky 6)."""


DEFAULTS: dict[Family, FamilyDefaults] = {
    # Official Wan I2V recipe: 40 steps, guidance 5; 832x480 is the 480P checkpoint's
    # training size (set native_size [1280, 720] for the 720P one); 81 frames = 5 s at 16 fps.
    "wan": FamilyDefaults(
        "WanImageToVideoPipeline", ("WanImageToVideoPipeline", "WanPipeline"), 40, 5.0, (832, 480), 81, 512, {}
    ),
    # diffusers' LTX defaults: 704x512 (1216x704 recommended from 0.9.6), guidance 3, up to 257 frames.
    "ltx": FamilyDefaults(
        "LTXImageToVideoPipeline",
        ("LTXPipeline", "LTXImageToVideoPipeline", "LTXConditionPipeline"),
        40,
        3.0,
        (704, 512),
        257,
        128,
        {},
    ),
    # LTX-2 (Lightricks' diffusers example): 768x512, 121 frames at 24 fps, 40 steps, guidance 4,
    # conditioned on the frame rate like LTX-Video; it denoises an audio latent with the video.
    "ltx2": FamilyDefaults(
        "LTX2ImageToVideoPipeline",
        ("LTX2Pipeline", "LTX2ImageToVideoPipeline"),
        40,
        4.0,
        (768, 512),
        257,
        1024,
        {},
        own_audio=True,
    ),
    # HunyuanVideo-1.5 I2V 480p: 121 frames at 24 fps, 50 steps (8-12 for the step-distilled
    # checkpoint), guidance 6; the size is the checkpoint's aspect bucket closest to the output.
    "hunyuanvideo15": FamilyDefaults(
        "HunyuanVideo15ImageToVideoPipeline",
        ("HunyuanVideo15ImageToVideoPipeline", "HunyuanVideo15Pipeline"),
        50,
        6.0,
        (848, 480),
        121,
        1000,
        {},
        fps=24.0,
    ),
    # Kandinsky 6.0 Video (Lite 3B, Pro 29B, one pipeline): 121 frames (5 s) at 24 fps, 50 steps and
    # guidance 5 (diffusers' defaults; 16 steps, guidance 1 for the distilled checkpoints), 768x512
    # area (the call's default size; the docstring's 480p example is 864x480). One transformer
    # denoises the video and the audio latents together; MMAudio's VAE and vocoder make the sound.
    "kandinsky6": FamilyDefaults(
        "Kandinsky6TI2VAPipeline",
        ("Kandinsky6TI2VAPipeline",),
        50,
        5.0,
        (768, 512),
        121,
        1024,
        {},
        fps=24.0,
        own_audio=True,
    ),
    # CogVideoX-5B-I2V: 720x480, 49 frames at 8 fps, guidance 6 with dynamic CFG (the authors' setting).
    "cogvideox": FamilyDefaults(
        "CogVideoXImageToVideoPipeline",
        ("CogVideoXImageToVideoPipeline",),
        50,
        6.0,
        (1360, 768),
        81,
        226,
        {"use_dynamic_cfg": True},
    ),
}

PREVIEW_FAMILIES = ("wan",)
"""Families whose latents `preview.LatentPreview` can show (5-D, normalised by the VAE's mean and std)."""

API_DEFAULT_CFG = 5.0
"""The API's default cfg_scale; it maps to each family's recommended guidance."""


@dataclass(frozen=True)
class NativeFormat:
    """What the loaded checkpoint generates natively."""

    fps: float | None
    """None: the model is conditioned on the frame rate (LTX) and generates at the requested one."""
    frame_step: int
    """Frame counts are frame_step * k + 1."""
    max_frames: int
    size_multiple: int
    max_area: int
    fixed_size: tuple[int, int] | None = None
    """Checkpoints with learned positional embeddings (CogVideoX 1.0) only run at their training size."""
    fixed_frames: int | None = None
    variant: str = ""
    buckets: tuple[tuple[int, int], ...] = ()
    """(height, width) sizes the checkpoint picks from by aspect (HunyuanVideo-1.5's crop-size
    list, in its own order); empty: any size on the grid."""


def native_format(spec: DiffusionSpec, pipe: Any) -> NativeFormat:
    """Read the loaded pipeline's compression factors into this family's rules."""
    defaults = DEFAULTS[spec.family]
    width, height = spec.native_size or defaults.native_size
    area = width * height
    transformer = pipe.transformer if pipe.transformer is not None else pipe.transformer_2
    if spec.family == "wan":
        patch = transformer.config.patch_size
        if pipe.config.expand_timesteps:
            variant, fps, max_frames = "wan2.2-ti2v", 24.0, 121  # TI2V-5B: 121 frames at 24 fps
            if spec.native_size is None:
                area = 1280 * 704
        elif pipe.transformer_2 is not None:
            variant, fps, max_frames = "wan2.2-i2v-a14b", 16.0, 81
        else:
            variant, fps, max_frames = "wan2.1-i2v", 16.0, 81
        return NativeFormat(
            fps=spec.native_fps or fps,
            frame_step=pipe.vae_scale_factor_temporal,
            max_frames=spec.max_frames or max_frames,
            size_multiple=pipe.vae_scale_factor_spatial * max(patch[1], patch[2]),
            max_area=area,
            variant=variant,
        )
    if spec.family == "hunyuanvideo15":
        # The pipeline resizes the image to the bucket closest to its aspect at `target_size`;
        # generating at that bucket (spec.native_size moves the target) keeps it from re-cropping.
        from diffusers.pipelines.hunyuan_video1_5.image_processor import generate_crop_size_list

        if spec.native_size is not None:
            pipe.target_size = round(math.sqrt(area))
        return NativeFormat(
            fps=spec.native_fps or defaults.fps,
            frame_step=pipe.vae_scale_factor_temporal,
            max_frames=spec.max_frames or defaults.max_frames,
            size_multiple=pipe.vae_scale_factor_spatial,
            max_area=pipe.target_size**2,
            variant=type(pipe).__name__,
            buckets=tuple(generate_crop_size_list(pipe.target_size, pipe.vae_scale_factor_spatial)),
        )
    if spec.family == "kandinsky6":
        # The pipeline checks height and width against the VAE's compression times the patch size.
        return NativeFormat(
            fps=spec.native_fps or defaults.fps,
            frame_step=pipe.vae_scale_factor_temporal,
            max_frames=spec.max_frames or defaults.max_frames,
            size_multiple=pipe.vae_scale_factor_spatial * max(pipe.transformer_patch_size[1:]),
            max_area=area,
            variant=type(pipe).__name__,
        )
    if spec.family in ("ltx", "ltx2"):
        # The LTX pipelines check height and width % 32 whatever the VAE's own ratio.
        multiple = max(32, pipe.vae_spatial_compression_ratio * pipe.transformer_spatial_patch_size)
        return NativeFormat(
            fps=spec.native_fps,
            frame_step=pipe.vae_temporal_compression_ratio * pipe.transformer_temporal_patch_size,
            max_frames=spec.max_frames or defaults.max_frames,
            size_multiple=multiple,
            max_area=area,
            variant=type(pipe).__name__,
        )
    config = transformer.config
    spatial = pipe.vae_scale_factor_spatial
    if config.patch_size_t is None:  # CogVideoX 1.0: 8N+1 frames at 8 fps
        fixed = None
        fixed_frames = None
        if config.use_learned_positional_embeddings:
            fixed = (config.sample_width * spatial, config.sample_height * spatial)
            fixed_frames = config.sample_frames
        return NativeFormat(
            fps=spec.native_fps or 8.0,
            frame_step=2 * pipe.vae_scale_factor_temporal,
            max_frames=spec.max_frames or 49,
            size_multiple=spatial * config.patch_size,
            max_area=area,
            fixed_size=fixed,
            fixed_frames=fixed_frames,
            variant="cogvideox-1.0",
        )
    return NativeFormat(  # CogVideoX 1.5: 16N+1 frames at 16 fps
        fps=spec.native_fps or 16.0,
        frame_step=2 * pipe.vae_scale_factor_temporal * config.patch_size_t,
        max_frames=spec.max_frames or defaults.max_frames,
        size_multiple=spatial * config.patch_size,
        max_area=area,
        variant="cogvideox-1.5",
    )


def native_size(fmt: NativeFormat, width: int, height: int) -> tuple[int, int]:
    """Largest size on the model's grid with the output's aspect and at most the native area.

    Same arithmetic as the Wan reference code (sqrt of area times aspect, floored to the grid).
    """
    if fmt.fixed_size is not None:
        return fmt.fixed_size
    if fmt.buckets:
        return closest_bucket(fmt.buckets, width, height)
    m = fmt.size_multiple
    aspect = height / width
    native_h = max(m, int(math.sqrt(fmt.max_area * aspect)) // m * m)
    native_w = max(m, int(math.sqrt(fmt.max_area / aspect)) // m * m)
    return native_w, native_h


def closest_bucket(buckets: tuple[tuple[int, int], ...], width: int, height: int) -> tuple[int, int]:
    """The (width, height) bucket the HunyuanVideo-1.5 pipeline itself picks for this aspect."""
    import numpy as np
    from diffusers.pipelines.hunyuan_video1_5.image_processor import get_closest_ratio

    ratios = np.array([round(h / w, 5) for h, w in buckets])
    bucket_h, bucket_w = get_closest_ratio(height, width, ratios, list(buckets))[0]
    return bucket_w, bucket_h


def native_fps(fmt: NativeFormat, fps: int) -> float:
    return float(fps) if fmt.fps is None else fmt.fps


def native_frame_count(fmt: NativeFormat, num_frames: int, fps: int) -> int:
    """Fewest native frames (step * k + 1, within the model's limit) covering num_frames at fps."""
    if fmt.fixed_frames is not None:
        return fmt.fixed_frames
    rate = native_fps(fmt, fps)
    needed = math.ceil((num_frames - 1) * rate / fps - 1e-9) + 1
    step = fmt.frame_step
    count = step * math.ceil((needed - 1) / step) + 1
    limit = step * ((fmt.max_frames - 1) // step) + 1
    return max(1 + step, min(count, limit))


def guidance_scale(spec: DiffusionSpec, cfg_scale: float) -> float:
    """The request's cfg_scale, rescaled so the API default gives the family's recommended guidance.

    A spec with fixed guidance (CFG-distilled weights, LoRAs) ignores the request.
    """
    if spec.guidance_scale is not None:
        return spec.guidance_scale
    return max(1.0, DEFAULTS[spec.family].guidance_scale * cfg_scale / API_DEFAULT_CFG)
