// `braid make-model` for audio mmprojs (a Whisper encoder and its projector), kept apart from
// the text models' code path so the media rooms can each add theirs without touching the other.
#pragma once

#include <cstdio>
#include <string>

#include "args.h"

namespace braid::app {

/// True when `arch` names an audio encoder shape (braid::audio::known_audio_shapes()).
bool is_audio_arch(const std::string& arch);
/// Lists the audio shapes for make-model's usage text.
void print_audio_archs(std::FILE* out);
/// Writes the audio mmproj `parsed` asks for (ARCH, -o, --type, --tiny, --seed, --force).
/// Exit code: 0 written, 1 failure, 2 usage.
int make_audio_mmproj(const ParsedArgs& parsed);

}  // namespace braid::app
