#include "strict_json.h"

#include <new>
#include <string>
#include <unordered_set>
#include <vector>

namespace braid::core::detail {
namespace {

using Json = nlohmann::json;

// Thrown from the parser callback to stop parsing; caught in parse_json_strict, never escapes.
struct StrictJsonError {
  std::string message;
};

// Tracks, for every object being parsed, the keys seen so far. The parser reports keys in
// document order, and the innermost open object is the one a key belongs to (arrays hold no
// keys), so a stack of key sets is enough.
class DuplicateKeyCheck {
 public:
  explicit DuplicateKeyCheck(int max_depth) : max_depth_(max_depth) {}

  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        enter();
        objects_.push_back({last_key_, {}});
        break;
      case Json::parse_event_t::array_start:
        enter();
        break;
      case Json::parse_event_t::object_end:
        objects_.pop_back();
        --depth_;
        break;
      case Json::parse_event_t::array_end:
        --depth_;
        break;
      case Json::parse_event_t::key: {
        last_key_ = parsed.get_ref<const std::string&>();
        auto& object = objects_.back();
        if (!object.keys.insert(last_key_).second) {
          std::string where =
              object.name.empty() ? std::string() : " in object " + in_quotes(object.name);
          throw StrictJsonError{"key " + in_quotes(last_key_) + " appears twice" + where};
        }
        break;
      }
      case Json::parse_event_t::value:
        break;
    }
    return true;
  }

 private:
  struct OpenObject {
    std::string name;  // the key it was stored under; empty for the root and array elements
    std::unordered_set<std::string> keys;
  };

  void enter() {
    if (++depth_ > max_depth_) {
      throw StrictJsonError{"nesting deeper than " + std::to_string(max_depth_) + " levels"};
    }
  }

  int max_depth_;
  int depth_ = 0;
  std::string last_key_;
  std::vector<OpenObject> objects_;
};

// nlohmann messages start with "[json.exception.parse_error.101] "; the code means nothing to
// a user.
std::string_view strip_exception_id(std::string_view what) {
  if (!what.empty() && what.front() == '[') {
    const auto close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  return what;
}

}  // namespace

Result<Json> parse_json_strict(std::string_view text,
                               std::string_view context,
                               uint64_t text_file_offset,
                               int max_depth) {
  try {
    DuplicateKeyCheck check(max_depth);
    // The parser stores its own copy of the callback; capturing `check` by reference keeps one
    // set of key tables for the whole parse.
    Json::parser_callback_t callback = [&check](int depth, Json::parse_event_t event,
                                                Json& parsed) {
      return check(depth, event, parsed);
    };
    return Json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true,
                       /*ignore_comments=*/false);
  } catch (const StrictJsonError& error) {
    return data_loss(context, ": invalid JSON: ", error.message);
  } catch (const Json::parse_error& error) {
    // error.byte counts characters read, starting at 1.
    const uint64_t at = text_file_offset + (error.byte > 0 ? error.byte - 1 : 0);
    return data_loss(context, ": invalid JSON at byte ", at,
                     " of the file: ", strip_exception_id(error.what()));
  } catch (const Json::exception& error) {
    return data_loss(context, ": invalid JSON: ", strip_exception_id(error.what()));
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::OutOfMemory, str_cat(context, ": out of memory while parsing ",
                                                   text.size(), " bytes of JSON"));
  }
}

std::string_view json_kind(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "object";
    case Json::value_t::array:
      return "array";
    case Json::value_t::string:
      return "string";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "float";
    case Json::value_t::binary:
      return "binary";
    case Json::value_t::discarded:
      return "discarded";
  }
  return "unknown";
}

std::string describe_json(const Json& value) {
  if (value.is_number() || value.is_boolean()) return value.dump();
  if (value.is_null()) return "null";
  if (value.is_array() || value.is_object()) return str_cat("an ", json_kind(value));
  return str_cat("a ", json_kind(value));
}

bool json_to_u64(const Json& value, uint64_t* out) {
  if (value.is_number_unsigned()) {
    *out = value.get<uint64_t>();
    return true;
  }
  if (value.is_number_integer()) {
    const auto signed_value = value.get<int64_t>();
    if (signed_value < 0) return false;
    *out = static_cast<uint64_t>(signed_value);
    return true;
  }
  return false;
}

std::string in_quotes(std::string_view text) {
  constexpr size_t kMaxShown = 200;
  if (text.size() <= kMaxShown) return str_cat("'", text, "'");
  return str_cat("'", text.substr(0, kMaxShown), "...' (", text.size(), " bytes)");
}

}  // namespace braid::core::detail
