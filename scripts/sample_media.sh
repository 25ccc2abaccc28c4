#!/usr/bin/env bash
# Writes a small picture (sample.bmp, 64x48, a colour gradient with a dark square) and a short
# recording (sample.wav, 2 s of a 440 Hz tone rising to 660 Hz, 16 kHz mono) into DIR, for the
# quick start on machines without the shared test media. Needs only bash and awk.
set -euo pipefail
dir="${1:?usage: sample_media.sh DIR}"
mkdir -p "$dir"
export LC_ALL=C  # awk's %c must write single bytes

# Little-endian integers as bytes.
le() { awk -v v="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) { printf "%c", v % 256; v = int(v / 256) } }'; }

w=64 h=48
row=$((w * 3))  # 192, already a multiple of 4
{
  printf 'BM'; le $((54 + row * h)) 4; le 0 4; le 54 4
  le 40 4; le $w 4; le $h 4; le 1 2; le 24 2; le 0 4; le $((row * h)) 4; le 2835 4; le 2835 4
  le 0 4; le 0 4
  awk -v w=$w -v h=$h 'BEGIN {
    for (y = 0; y < h; y++) for (x = 0; x < w; x++) {
      r = int(255 * x / (w - 1)); g = int(255 * y / (h - 1)); b = 128
      if (x > 20 && x < 44 && y > 12 && y < 36) { r = 30; g = 30; b = 30 }
      printf "%c%c%c", b, g, r   # BMP rows are bottom-up BGR
    } }'
} > "$dir/sample.bmp"

rate=16000 n=$((2 * rate))
{
  printf 'RIFF'; le $((36 + 2 * n)) 4; printf 'WAVEfmt '; le 16 4; le 1 2; le 1 2
  le $rate 4; le $((2 * rate)) 4; le 2 2; le 16 2; printf 'data'; le $((2 * n)) 4
  awk -v n=$n -v rate=$rate 'BEGIN {
    phase = 0
    for (i = 0; i < n; i++) {
      f = 440 + 220 * i / n; phase += 2 * 3.14159265358979 * f / rate
      s = int(8000 * sin(phase)); if (s < 0) s += 65536
      printf "%c%c", s % 256, int(s / 256)
    } }'
} > "$dir/sample.wav"
echo "$dir/sample.bmp $dir/sample.wav"
