// Splits template source into tokens the way jinja2's lexer does with Hugging Face's settings:
// trim_blocks and lstrip_blocks on, keep_trailing_newline off, default delimiters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jinja/error.h"

namespace braid::text::jinja {

enum class TokenKind {
  Data,           ///< literal text between tags (whitespace control already applied)
  VariableBegin,  ///< {{
  VariableEnd,    ///< }}
  BlockBegin,     ///< {%
  BlockEnd,       ///< %}
  Name,
  String,  ///< text holds the decoded value
  Integer,
  Float,
  Operator,  ///< text holds the spelling: "+", "//", "==", "(", ...
  Eof,
};

struct Token {
  TokenKind kind = TokenKind::Eof;
  std::string text;
  std::int64_t int_value = 0;
  double float_value = 0;
  SourcePos pos;
};

/// Tokenizes `source` (valid UTF-8). Newlines are normalized to "\n" and one trailing newline
/// is dropped, as jinja2 does. Throws TemplateError(Syntax) for unterminated comments, raw blocks
/// or strings, bad escapes and characters that start no token. The last token is Eof.
std::vector<Token> tokenize(std::string_view source);

/// A readable name for a token in messages: "name 'foo'", "'%}'", "end of template".
std::string describe(const Token& token);

}  // namespace braid::text::jinja
