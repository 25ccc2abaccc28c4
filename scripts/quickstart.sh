#!/usr/bin/env bash
# The README's first command: set up, build, and run braid's main job — a question about a
# picture and a recording, answered by `braid ask` — on a default model that braid makes itself
# (random weights: the answer is noise; see the README for real model files).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
./scripts/build.sh braid

text=models/default-llama-3.2-1b-tiny-q8_0.gguf
mmproj=models/default-mmproj-clip-whisper-tiny.gguf
mkdir -p models
if [ ! -f "$text" ]; then
  ./build/bin/braid make-model llama-3.2-1b --tiny --type Q8_0 -o "$text"
fi
if [ ! -f "$mmproj" ]; then
  ./build/bin/braid make-model clip-vit-l-14-336 --tiny --for llama-3.2-1b \
    --with-audio whisper-large-v3 -o "$mmproj"
fi

# The shared test media when it is beside the checkout, else a picture and a tone made here.
shared=../shared/data
if [ -f "$shared/media-images/llama-models-dog.jpg" ] && [ -f "$shared/media-audio/jfk.mp3" ]; then
  image="$shared/media-images/llama-models-dog.jpg"
  audio="$shared/media-audio/jfk.mp3"
else
  read -r image audio < <(./scripts/sample_media.sh models/sample-media)
fi

echo
echo "\$ braid ask -m $text --mmproj $mmproj --image $image --audio $audio -n 24 --timings \\"
echo "    \"What is in the picture, and what does the speaker say?\""
./build/bin/braid ask -m "$text" --mmproj "$mmproj" --image "$image" --audio "$audio" \
  -n 24 --seed 1 --timings "What is in the picture, and what does the speaker say?"
echo
echo "The default models have random weights: they exist so braid runs with nothing downloaded,"
echo "and their answer is noise. Real files work the same way (see the README):"
echo "  ./build/bin/braid ask -m model.gguf --mmproj mmproj.gguf --image photo.jpg \"question\""
