"""Each sound type has a measured signature: where its energy lies, how tonal, how impulsive, how steady."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from stillmotion.audio import AudioCues, synthesize_audio
from stillmotion.audio.control import Timeline, default_drive
from stillmotion.audio.layers import LAYERS, LayerInput
from stillmotion.audio.selection import DRIVES
from tests.audio.motion_curves import swell
from tests.audio.signal_measures import (
    band_fraction,
    envelope,
    modulation_peak_hz,
    spectral_centroid,
    spectral_flatness,
    transients_per_second,
)
from tests.audio.spectrogram import write_spectrogram

SECONDS = 2
TIMELINE = Timeline(SECONDS * 48_000, SECONDS * 48_000, 30, False)


def render(name: str, variant: str | None = None, seed: int = 3) -> np.ndarray:
    """A layer alone, on its seeded stand-in curve (what it plays when the picture gives none)."""
    drive = np.zeros(TIMELINE.rendered)
    if name in DRIVES:
        drive = default_drive(DRIVES[name], np.random.default_rng(seed + 1), TIMELINE, intensity=0.7, swell=2.5)
    return LAYERS[name](LayerInput(np.random.default_rng(seed), TIMELINE, drive, 0.7, variant))


def steadiness(samples: np.ndarray) -> float:
    """Coefficient of variation of the 100 ms level: ~0.1 for a steady bed, >0.5 for events."""
    level = envelope(samples, 0.1)
    return float(level.std() / level.mean())


@pytest.fixture(scope="module")
def layers() -> dict[str, np.ndarray]:
    out = {name: render(name) for name in LAYERS}
    out["gull"] = render("birds", "gull")
    return out


def test_every_layer_is_finite_stereo_with_distinct_channels(layers: dict[str, np.ndarray]) -> None:
    for name, samples in layers.items():
        assert samples.shape == (TIMELINE.rendered, 2), name
        assert np.isfinite(samples).all(), name
        assert not np.allclose(samples[:, 0], samples[:, 1]), f"{name} is mono"


def test_rain_is_broadband_with_many_transients(layers: dict[str, np.ndarray]) -> None:
    rain = layers["rain"]
    assert 3000 < spectral_centroid(rain) < 8000
    assert band_fraction(rain, 1000, 12000) > 0.85
    assert spectral_flatness(rain, 1000, 12000) > 0.2  # noise-like across the band, not a tone
    assert transients_per_second(rain) > 10  # individual drops stand out of the wash
    assert transients_per_second(rain) > 3 * transients_per_second(layers["waterfall"])


def test_heavier_rain_has_more_drops_and_more_level() -> None:
    def at(density: float) -> np.ndarray:
        return LAYERS["rain"](LayerInput(np.random.default_rng(1), TIMELINE, np.full(TIMELINE.rendered, density)))

    light, heavy = at(0.2), at(1.0)
    assert np.sqrt(np.mean(heavy**2)) > 3 * np.sqrt(np.mean(light**2))


def test_waves_sit_low_and_swell_at_the_water_period() -> None:
    period, fps, frames = 1.5, 30, 180  # six seconds, four swells
    cues = AudioCues(fps=fps, num_frames=frames, curves={"water": swell(frames, fps, period)})
    samples = synthesize_audio("", "ocean waves", cues, num_frames=frames, fps=fps, seed=2)
    assert band_fraction(samples, 0, 1000) > 0.6
    assert modulation_peak_hz(samples) == pytest.approx(1.0 / period, rel=0.1)


def test_lake_lapping_is_low_mid_and_choppy(layers: dict[str, np.ndarray]) -> None:
    lake = layers["lake"]
    assert 150 < spectral_centroid(lake) < 900
    assert band_fraction(lake, 0, 1000) > 0.85
    assert steadiness(lake) > 0.3


def test_stream_babbles_in_the_mid_band_and_waterfall_roars_steadily(layers: dict[str, np.ndarray]) -> None:
    stream, fall = layers["stream"], layers["waterfall"]
    assert 700 < spectral_centroid(stream) < 2500
    assert band_fraction(stream, 250, 3500) > 0.8
    assert spectral_flatness(stream, 300, 3000) < spectral_flatness(fall, 300, 3000)  # bubbles are pitched
    assert band_fraction(fall, 0, 500) > 0.4 and band_fraction(fall, 2000, 16000) > 0.03  # full-range roar
    assert steadiness(fall) < 0.25


def test_fire_has_low_roar_and_crackles(layers: dict[str, np.ndarray]) -> None:
    fire = layers["fire"]
    assert band_fraction(fire, 0, 300) > 0.3  # the lapping roar
    assert band_fraction(fire, 1000, 10000) > 0.1  # hiss and crackle
    assert transients_per_second(fire) > 5


def test_songbirds_are_tonal_and_high(layers: dict[str, np.ndarray]) -> None:
    birds = layers["birds"]
    assert 1500 < spectral_centroid(birds) < 7000
    assert band_fraction(birds, 1500, 8000) > 0.9
    assert spectral_flatness(birds, 1000, 8000) < 0.05  # tones, not noise
    assert steadiness(birds) > 0.5  # calls with silence between


def test_gulls_call_lower_than_songbirds_with_harmonics(layers: dict[str, np.ndarray]) -> None:
    gull = layers["gull"]
    assert band_fraction(gull, 900, 2200) > 0.4  # the fundamental of the 'kyow'
    assert band_fraction(gull, 2200, 8000) > 0.1  # its harsh upper harmonics
    assert spectral_centroid(gull) < spectral_centroid(layers["birds"])


def test_wind_whistles_in_the_low_mid_band(layers: dict[str, np.ndarray]) -> None:
    wind = layers["wind"]
    assert 300 < spectral_centroid(wind) < 1500
    assert band_fraction(wind, 300, 1500) > 0.5


def test_forest_is_leafy(layers: dict[str, np.ndarray]) -> None:
    assert band_fraction(layers["forest"], 1500, 9000) > 0.5


def test_city_rumbles_low_and_room_tone_is_quiet_and_steady(layers: dict[str, np.ndarray]) -> None:
    assert band_fraction(layers["city"], 0, 500) > 0.6
    room = layers["room"]
    assert band_fraction(room, 0, 1500) > 0.9
    assert steadiness(room) < 0.15


def test_crowd_murmur_lies_in_the_speech_band(layers: dict[str, np.ndarray]) -> None:
    crowd = layers["crowd"]
    assert band_fraction(crowd, 150, 4000) > 0.9
    assert 300 < spectral_centroid(crowd) < 1500


def test_thunder_is_a_low_rumble_that_starts_and_rolls_away(layers: dict[str, np.ndarray]) -> None:
    thunder = LAYERS["thunder"](
        LayerInput(np.random.default_rng(5), Timeline(6 * 48_000, 6 * 48_000, 30, False), np.zeros(6 * 48_000))
    )
    assert band_fraction(thunder, 0, 300) > 0.6
    level = envelope(thunder, 0.25)
    peak = int(np.argmax(level))
    assert level[-1] < 0.5 * level[peak]  # decays after the strike
    assert level[0] < 0.5 * level[peak]  # the strike comes after the start, not before it


def test_writes_a_spectrogram_per_sound_type(layers: dict[str, np.ndarray], artifacts: Path) -> None:
    for name, samples in layers.items():
        path = write_spectrogram(samples, artifacts / f"audio-{name}.png", f"{name} (2 s, seeded stand-in curves)")
        assert path.stat().st_size > 2000
        peak = np.max(np.abs(samples))
        wavfile.write(artifacts / f"audio-{name}.wav", 48_000, (0.5 * samples / peak).astype(np.float32))
    print(f"spectrograms and WAVs to listen to in {artifacts}")
