#include "tokenizer/pre_tokenizer.h"

#include <algorithm>
#include <utility>

namespace braid::text::detail {

namespace {

// The patterns below are the ones llama.cpp's llm_tokenizer_bpe applies for each pre-tokenizer
// type (src/llama-vocab.cpp), which in turn are the models' tokenizer.json regexes, with
// case-insensitive groups spelled out as [sS] and so on.

// GPT-2's regex. llama.cpp drops the final "|\s+" alternative; a lone white-space character is
// then left unmatched, and unmatched runs are kept as pre-tokens, so the split is the same.
constexpr std::string_view kGpt2 =
    R"re('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))re";

constexpr std::string_view kLlama3 =
    R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// Qwen2: as Llama 3, but digits one at a time.
constexpr std::string_view kQwen2 =
    R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// DeepSeek LLM spells its letter class out as ranges (from its tokenizer.json): the cased
// letters. Written with escapes because editors that normalize to NFC would silently turn
// some of them (U+1FBE, U+2126, U+212A, ...) into other code points.
constexpr std::string_view kDeepseekLlmLetters =
    "\\s?["
    "A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF"
    "\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F"
    "\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481"
    "\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD"
    "\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A"
    "\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57"
    "\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE"
    "\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC"
    "\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D"
    "\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F"
    "\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE"
    "\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787"
    "\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A"
    "\uFF41-\uFF5A\U00010400-\U0001044F\U000104B0-\U000104D3"
    "\U000104D8-\U000104FB\U00010C80-\U00010CB2\U00010CC0-\U00010CF2"
    "\U000118A0-\U000118DF\U0001E900-\U0001E943"
    "]+";
constexpr std::string_view kDeepseekLlmPunct = R"re(\s?[!-/:-~！-／：-～‘-‟　-。]+)re";
constexpr std::string_view kCjk = R"re([一-龥ࠀ-一가-퟿]+)re";

constexpr std::string_view kDeepseek3Main =
    R"re([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// Tekken and GPT-4o: upper/lower-case runs written with lookaheads (llama.cpp's form).
constexpr std::string_view kTekken =
    R"re([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
constexpr std::string_view kGpt4o =
    R"re([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

constexpr std::string_view kBloom = R"re( ?[^(\s|.,!?…。，、।۔،)]+)re";

struct Family {
  std::vector<std::string_view> names;
  std::vector<std::string_view> patterns;
  bool ignore_merges = false;
  bool add_bos = false;
};

const std::vector<Family>& families() {
  static const std::vector<Family> table = {
      {{"default"},
       {R"re([\p{P}\$\+<=>\^~\|]+)re", kGpt2, R"re(\p{N}+)re", R"re([0-9][0-9][0-9])re"}},
      {{"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"},
       {kLlama3},
       /*ignore_merges=*/true,
       /*add_bos=*/true},
      {{"dbrx", "smaug-bpe", "glm4", "chatglm-bpe"}, {kLlama3}},
      {{"deepseek-llm"},
       {R"re([\r\n])re", kDeepseekLlmLetters, kDeepseekLlmPunct, R"re(\s+$)re", kCjk,
        R"re(\p{N}+)re"}},
      {{"deepseek-coder"},
       {R"re([\r\n])re", R"re(\s?\p{L}+)re", R"re(\s?\p{P}+)re", kCjk, R"re(\p{N})re"}},
      {{"deepseek-v3"}, {R"re(\p{N}{1,3})re", R"re([一-龥぀-ゟ゠-ヿ]+)re", kDeepseek3Main}},
      {{"falcon"}, {R"re([\p{P}\$\+<=>\^~\|`]+)re", kGpt2, R"re([0-9][0-9][0-9])re"}},
      {{"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"},
       {R"re(\p{N})re", kGpt2}},
      {{"gpt-2", "phi-2", "mpt", "olmo", "jais", "trillion", "exaone4", "granite-docling"},
       {kGpt2}},
      {{"qwen2", "deepseek-r1-qwen", "stablelm2", "hunyuan", "megrez"}, {kQwen2}},
      {{"poro-chat", "bloom", "gpt3-finnish"}, {kBloom}},
      {{"viking"}, {kBloom, R"re(\p{N})re"}},
      {{"tekken"}, {kTekken}, /*ignore_merges=*/true, /*add_bos=*/true},
      {{"gpt-4o", "llama4"}, {kGpt4o}},
  };
  return table;
}

}  // namespace

core::Result<PreTokenizerInfo> find_pre_tokenizer(std::string_view name) {
  const std::string_view key = name.empty() ? std::string_view("default") : name;
  for (const Family& family : families()) {
    if (std::find(family.names.begin(), family.names.end(), key) != family.names.end()) {
      return PreTokenizerInfo{key, family.patterns, family.ignore_merges, family.add_bos};
    }
  }
  return core::not_supported("[tokenizer] pre-tokenizer '", name,
                             "' (tokenizer.ggml.pre) is not supported");
}

std::vector<std::string_view> pre_tokenizer_names() {
  std::vector<std::string_view> names;
  for (const Family& family : families()) {
    names.insert(names.end(), family.names.begin(), family.names.end());
  }
  return names;
}

core::Result<PreTokenizer> PreTokenizer::create(std::string_view name) {
  PreTokenizer pre;
  BRAID_ASSIGN_OR_RETURN(pre.info_, find_pre_tokenizer(name));
  for (std::string_view pattern : pre.info_.patterns) {
    BRAID_ASSIGN_OR_RETURN(SplitRegex regex, SplitRegex::compile(pattern));
    pre.regexes_.push_back(std::move(regex));
  }
  return pre;
}

void PreTokenizer::split(std::string_view text,
                         PreTokenizerScratch& scratch,
                         std::vector<std::string_view>* out) const {
  if (text.empty()) return;
  prepare_for_matching(text, &scratch.cps, &scratch.offsets);
  scratch.spans.clear();
  scratch.spans.push_back({0, static_cast<uint32_t>(scratch.cps.size())});
  for (const SplitRegex& regex : regexes_) {
    scratch.next.clear();
    regex.split(scratch.cps, scratch.spans, &scratch.next);
    std::swap(scratch.spans, scratch.next);
  }
  for (const SplitRegex::Span& span : scratch.spans) {
    const uint32_t begin = scratch.offsets[span.begin];
    const uint32_t end = scratch.offsets[span.end];
    out->push_back(text.substr(begin, end - begin));
  }
}

}  // namespace braid::text::detail
