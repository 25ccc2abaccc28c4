#include "commands.h"

namespace braid::app {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"backends", "list the backend plugins found, their devices, and why others failed",
       run_backends},
      {"run", "generate a completion of a prompt with a text model", run_run},
      {"ask", "answer a question about images and recordings (text model + mmproj)", run_ask},
      {"chat", "talk with a model through its chat template (line editing, /save, /load)",
       run_chat},
      {"perplexity", "score a text with a model, as llama.cpp's llama-perplexity does",
       run_perplexity},
      {"info", "describe a model file (GGUF) or a Hugging Face folder", run_info},
      {"tokenize", "show the tokens a model's tokenizer makes of a text", run_tokenize},
      {"template", "show the prompt a model's chat template makes of a conversation", run_template},
      {"make-model", "write a random-weight GGUF model of a real architecture's shapes",
       run_make_model},
      {"quantize", "write a GGUF model with its weights in a smaller type (Q4_K_M, Q8_0, ...)",
       run_quantize},
      {"convert", "convert a Hugging Face safetensors folder (Llama, Mistral, Qwen2) to GGUF",
       run_convert},
      {"bench",
       "measure a model's or an encoder's speed (llama-bench's tests) against this "
       "machine's limits",
       run_bench},
  };
  return table;
}

}  // namespace braid::app
