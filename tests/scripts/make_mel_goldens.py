#!/usr/bin/env python3
"""Writes tests/golden/audio_mel/: Whisper log-mel features of ../shared/data/media-audio/jfk.wav,
computed independently of braid, to check audio/io's LogMelSpectrogram
(tests/unit/audio_io/log_mel_test.cpp).

Run (from the repository root):
    /work/pyenv/bin/python tests/scripts/make_mel_goldens.py

Versions used: numpy 2.4.6, torch 2.15.0 (CPU). No whisper package: the steps below follow the
algorithm of OpenAI's whisper/audio.py (load_audio, pad_or_trim, log_mel_spectrogram), written
here from its description:
  audio  jfk.wav is 16 kHz mono s16, so `ffmpeg -ac 1 -ar 16000 -f s16le` gives its samples
         unchanged; read with the standard `wave` module, divided by 32768;
  pad    zeros to 30 s (480000 samples), as pad_or_trim does on the waveform;
  stft   torch.stft(n_fft=400, hop_length=160, window=torch.hann_window(400) (periodic),
         center=True, pad_mode="reflect", return_complex=True), float32;
  power  |stft|^2 without the last frame -> [201, 3000];
  mel    the filters of ../shared/data/whisper-assets/mel_filters.npz (mel_80, mel_128) @ power;
  log    log10(max(x, 1e-10)); max(x, x.max() - 8); (x + 4) / 4.
The same steps in numpy float64 are run as a check; the script prints how far the float32
features are from them.

Output (little-endian .npy, float32 unless noted), kept small by sampling frames:
  waveform_sampled.npy   every 97th sample of the 16 kHz waveform (176000 samples in all)
  waveform_stats.npy     float64 [count, sum, sum of squares] of the whole waveform
  mel80_frames.npy       int32 frame indices sampled for 80 bins
  mel80_values.npy       [80, len(frames)] features at those frames
  mel80_row_means.npy    float64 [80] mean of each row over all 3000 frames
  mel128_*.npy           the same for 128 bins
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "tests" / "golden" / "audio_mel"

N_FFT, HOP, RATE, N_SAMPLES = 400, 160, 16000, 480000


def load_jfk() -> np.ndarray:
    with wave.open(str(SHARED / "media-audio" / "jfk.wav"), "rb") as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1 and w.getsampwidth() == 2
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return data.astype(np.float32) / 32768.0


def pad_or_trim(audio: np.ndarray) -> np.ndarray:
    if len(audio) >= N_SAMPLES:
        return audio[:N_SAMPLES]
    return np.pad(audio, (0, N_SAMPLES - len(audio)))


def log_mel_torch(audio: np.ndarray, filters: np.ndarray) -> np.ndarray:
    window = torch.hann_window(N_FFT)
    stft = torch.stft(torch.from_numpy(audio), N_FFT, HOP, window=window, center=True,
                      pad_mode="reflect", return_complex=True)
    power = stft[..., :-1].abs() ** 2
    mel = torch.from_numpy(filters) @ power
    log_spec = torch.clamp(mel, min=1e-10).log10()
    log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).numpy()


def log_mel_numpy64(audio: np.ndarray, filters: np.ndarray) -> np.ndarray:
    x = np.pad(audio.astype(np.float64), N_FFT // 2, mode="reflect")
    n_frames = 1 + (len(x) - N_FFT) // HOP
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)
    frames = np.stack([x[t * HOP:t * HOP + N_FFT] * window for t in range(n_frames)])
    power = (np.abs(np.fft.rfft(frames, axis=1)) ** 2).T[:, :-1]
    log_spec = np.log10(np.maximum(filters.astype(np.float64) @ power, 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return (log_spec + 4.0) / 4.0


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    audio = load_jfk()
    np.save(OUT / "waveform_sampled.npy", audio[::97].astype("<f4"))
    a64 = audio.astype(np.float64)
    np.save(OUT / "waveform_stats.npy", np.array([len(a64), a64.sum(), (a64 * a64).sum()], "<f8"))

    padded = pad_or_trim(audio)
    bank = np.load(SHARED / "whisper-assets" / "mel_filters.npz")
    # Speech ends near frame 1100; sample it densely, the padded tail sparsely.
    plans = {80: (0, 6, 50), 128: (3, 9, 100)}
    for n_mel, (start, step, tail_step) in plans.items():
        filters = bank[f"mel_{n_mel}"]
        feats = log_mel_torch(padded, filters)
        check = log_mel_numpy64(padded, filters)
        assert feats.shape == (n_mel, 3000), feats.shape
        print(f"mel_{n_mel}: float32 torch vs float64 numpy max |diff| "
              f"{np.abs(feats - check).max():.3g}; range [{feats.min():.4f}, {feats.max():.4f}]")
        frames = np.concatenate([np.arange(start, 1110, step), np.arange(1110, 3000, tail_step),
                                 [2999]]).astype("<i4")
        np.save(OUT / f"mel{n_mel}_frames.npy", frames)
        np.save(OUT / f"mel{n_mel}_values.npy", np.ascontiguousarray(feats[:, frames]).astype("<f4"))
        np.save(OUT / f"mel{n_mel}_row_means.npy", feats.astype(np.float64).mean(axis=1))
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {OUT} ({total} bytes)")


if __name__ == "__main__":
    main()
