#include "braid/core/status.h"

#include <cstdio>
#include <cstdlib>

namespace braid::core {

std::string_view status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::Ok:
      return "ok";
    case StatusCode::InvalidArgument:
      return "invalid argument";
    case StatusCode::NotFound:
      return "not found";
    case StatusCode::NotSupported:
      return "not supported";
    case StatusCode::OutOfRange:
      return "out of range";
    case StatusCode::DataLoss:
      return "corrupt or truncated data";
    case StatusCode::OutOfMemory:
      return "out of memory";
    case StatusCode::IoError:
      return "i/o error";
    case StatusCode::BackendError:
      return "backend error";
    case StatusCode::Cancelled:
      return "cancelled";
    case StatusCode::Internal:
      return "internal error";
  }
  return "unknown status";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return str_cat(status_code_name(code_), ": ", message_);
}

Status Status::with_context(std::string_view context) const {
  if (is_ok()) return *this;
  return {code_, str_cat(context, ": ", message_)};
}

void abort_on_bad_result_access(const Status& status) {
  std::fprintf(stderr, "braid: internal error: value() of a failed Result: %s\n",
               status.to_string().c_str());
  std::abort();
}

}  // namespace braid::core
