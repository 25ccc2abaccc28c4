// `braid tokenize -m FILE [--ids|--pieces] [--no-bos] [--parse-special] TEXT|-`: the token ids a
// model's tokenizer gives a text, for people debugging prompts.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "args.h"
#include "braid/core/utf8.h"
#include "braid/text/tokenizer_loader.h"
#include "commands.h"
#include "text_input.h"

namespace braid::app {
namespace {

constexpr const char* kUsage =
    "usage: braid tokenize -m MODEL [--ids|--pieces|--json] [--no-bos] [--parse-special]\n"
    "                      [--pre NAME] (TEXT | - | -f FILE)\n"
    "\n"
    "Tokenizes TEXT (or standard input for '-', or a file) with the tokenizer of MODEL: a GGUF\n"
    "file or a Hugging Face folder. By default prints one token per line: id and piece.\n"
    "\n"
    "  --ids            print only the ids, as a list: [1, 15043, 3186]\n"
    "  --pieces         print only the pieces, one per line\n"
    "  --json           print ids and pieces as JSON\n"
    "  --no-bos         do not add BOS/EOS even where the vocabulary asks for them\n"
    "  --parse-special  read control-token text (<|eot_id|>, [INST]) as those tokens\n"
    "  --replace-invalid  replace invalid UTF-8 with U+FFFD instead of failing\n"
    "  --pre NAME       pre-tokenizer of a folder's tokenizer.json (llama-bpe, qwen2, gpt-2…)\n";

// A piece shown on one line: quoted, with control characters and quotes escaped, and the bytes
// of a piece that is not whole UTF-8 (a byte token) shown as \xNN rather than as mojibake.
std::string quote_piece(std::string_view piece) {
  const bool escape_high = !core::is_valid_utf8(piece);
  std::string out = "'";
  for (unsigned char c : piece) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\'' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f || (escape_high && c >= 0x80)) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "'";
}

}  // namespace

int run_tokenize(const std::vector<std::string>& args) {
  ArgSpec spec{.flags = {"--ids", "--pieces", "--json", "--no-bos", "--parse-special",
                         "--replace-invalid", "--help"},
               .options = {"--model", "--file", "--pre"},
               .aliases = {{"-m", "--model"}, {"-f", "--file"}, {"-h", "--help"}}};
  auto parsed = ParsedArgs::parse(args, spec);
  if (!parsed.ok()) {
    std::fprintf(stderr, "braid tokenize: %s\n\n%s", parsed.status().message().c_str(), kUsage);
    return 2;
  }
  if (parsed->has("--help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const auto model = parsed->value("--model");
  if (!model || parsed->positionals().size() > 1 ||
      parsed->has("--ids") + parsed->has("--pieces") + parsed->has("--json") > 1) {
    std::fprintf(stderr,
                 "braid tokenize: expected -m MODEL, one TEXT, and at most one of "
                 "--ids/--pieces/--json\n\n%s",
                 kUsage);
    return 2;
  }
  std::optional<std::string> argument;
  if (!parsed->positionals().empty()) argument = parsed->positionals()[0];
  auto text = read_text_input(argument, parsed->value("--file"));
  if (!text.ok()) {
    std::fprintf(stderr, "braid tokenize: %s\n", text.status().message().c_str());
    return 2;
  }
  text::TokenizerLoadOptions load;
  load.pre = parsed->value("--pre").value_or("");
  auto tokenizer = text::load_tokenizer(*model, load);
  if (!tokenizer.ok()) {
    std::fprintf(stderr, "braid tokenize: %s\n", tokenizer.status().to_string().c_str());
    return 1;
  }
  text::EncodeOptions options;
  options.add_special = !parsed->has("--no-bos");
  options.parse_special = parsed->has("--parse-special");
  if (parsed->has("--replace-invalid")) options.invalid_utf8 = text::InvalidUtf8::Replace;
  auto ids = tokenizer->encode(*text, options);
  if (!ids.ok()) {
    std::fprintf(stderr, "braid tokenize: %s\n", ids.status().to_string().c_str());
    return 1;
  }
  if (parsed->has("--ids")) {
    std::string line = "[";
    for (size_t i = 0; i < ids->size(); ++i) line += (i ? ", " : "") + std::to_string((*ids)[i]);
    std::printf("%s]\n", line.c_str());
    return 0;
  }
  const bool json = parsed->has("--json");
  if (json) std::printf("[");
  for (size_t i = 0; i < ids->size(); ++i) {
    const int32_t id = (*ids)[i];
    // A piece renders control tokens by their text, so BOS shows as <|begin_of_text|>.
    const std::string piece(tokenizer->token_to_piece(id, /*render_special=*/true).value());
    if (json) {
      // Pieces may be partial UTF-8 characters: replace what is not valid rather than fail.
      const std::string escaped =
          nlohmann::json(piece).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      std::printf("%s{\"id\": %d, \"piece\": %s}", i ? ", " : "", id, escaped.c_str());
    } else if (parsed->has("--pieces")) {
      std::printf("%s\n", quote_piece(piece).c_str());
    } else {
      std::printf("%8d -> %s\n", id, quote_piece(piece).c_str());
    }
  }
  if (json) std::printf("]\n");
  return 0;
}

}  // namespace braid::app
