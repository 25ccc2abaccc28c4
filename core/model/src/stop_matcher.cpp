#include "braid/model/stop_matcher.h"

#include <algorithm>
#include <utility>

namespace braid::model {

StopMatcher::StopMatcher(std::vector<std::string> stop_strings) : stops_(std::move(stop_strings)) {}

void StopMatcher::reset() {
  pending_.clear();
  stopped_ = false;
}

std::string StopMatcher::flush() {
  std::string out;
  if (!stopped_) out.swap(pending_);
  pending_.clear();
  return out;
}

StopMatch StopMatcher::push(std::string_view piece) {
  StopMatch result;
  if (stopped_) return result;
  pending_.append(piece);

  // Earliest complete occurrence; pending_ only ever holds a proper prefix of a stop string
  // from earlier calls plus this piece, so the search stays short.
  size_t best_pos = std::string::npos;
  for (size_t s = 0; s < stops_.size(); ++s) {
    if (stops_[s].empty()) continue;
    const size_t pos = pending_.find(stops_[s]);
    if (pos < best_pos) {
      best_pos = pos;
      result.stop_index = s;
    }
  }
  if (best_pos != std::string::npos) {
    stopped_ = true;
    result.stopped = true;
    result.text = pending_.substr(0, best_pos);
    pending_.clear();
    return result;
  }

  // No stop yet: hold back the longest tail of pending_ that is a proper prefix of some stop
  // string, since the next piece could complete it. Everything before that tail is final.
  size_t hold = 0;
  for (const std::string& stop : stops_) {
    const size_t longest = std::min(stop.size() - (stop.empty() ? 0 : 1), pending_.size());
    for (size_t len = longest; len > hold; --len) {
      if (std::string_view(pending_).substr(pending_.size() - len) ==
          std::string_view(stop).substr(0, len)) {
        hold = len;
        break;
      }
    }
  }
  result.text = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return result;
}

}  // namespace braid::model
