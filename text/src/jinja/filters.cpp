// The filter registry.
#include <algorithm>
#include <string_view>

#include "jinja/builtins.h"
#include "jinja/filter_helpers.h"

namespace braid::text::jinja {

FilterFn find_filter(std::string_view name) {
  for (const auto& table : {detail::text_filters(), detail::sequence_filters()}) {
    for (const auto& entry : table) {
      if (entry.name == name) return entry.fn;
    }
  }
  return nullptr;
}

bool is_unimplemented_filter(std::string_view name) {
  static constexpr std::string_view kNames[] = {"filesizeformat", "groupby",   "pprint", "random",
                                                "striptags",      "urlencode", "urlize", "wordwrap",
                                                "xmlattr",        "unsafe"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

}  // namespace braid::text::jinja