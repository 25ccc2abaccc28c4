// Status and Result<T>: how every braid function that a user's input can make fail reports it.
//
// Errors are values, never exceptions, so they can cross threads and the plugin ABI. A message
// names the function or file, the field and what was expected:
//   "[gguf] model.gguf: offset 1234: tensor 'blk.0.attn_q.weight': dims[0] = 30 is not a
//    multiple of the Q4_0 block size 32"
#pragma once

#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace braid::core {

/// Broad groups of failure, so callers can react without parsing messages.
enum class StatusCode {
  Ok = 0,
  InvalidArgument,  ///< the caller (or the user) asked for something malformed
  NotFound,         ///< a file, key or tensor that should exist does not
  NotSupported,     ///< valid input that braid does not handle (yet): fails loudly
  OutOfRange,       ///< a value outside what the format or the machine allows
  DataLoss,         ///< a file is truncated or corrupt
  OutOfMemory,
  IoError,  ///< the operating system refused (open, read, mmap, write)
  BackendError,
  Cancelled,
  Internal,  ///< a bug in braid
};

/// Short lower-case name of a code ("invalid argument").
std::string_view status_code_name(StatusCode code);

/// The result of an operation that returns nothing: Ok, or a code with a message.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool is_ok() const { return code_ == StatusCode::Ok; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  /// "data loss: [gguf] …" — the form printed to users.
  std::string to_string() const;

  /// Returns a copy whose message has `context` prepended ("context: message").
  Status with_context(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::Ok;
  std::string message_;
};

namespace detail {
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

/// Builds a message from any streamable parts: str_cat("dims[", i, "] = ", d).
template <typename... Parts>
std::string str_cat(const Parts&... parts) {
  return detail::concat(parts...);
}

template <typename... Parts>
Status invalid_argument(const Parts&... parts) {
  return {StatusCode::InvalidArgument, str_cat(parts...)};
}
template <typename... Parts>
Status not_found(const Parts&... parts) {
  return {StatusCode::NotFound, str_cat(parts...)};
}
template <typename... Parts>
Status not_supported(const Parts&... parts) {
  return {StatusCode::NotSupported, str_cat(parts...)};
}
template <typename... Parts>
Status out_of_range(const Parts&... parts) {
  return {StatusCode::OutOfRange, str_cat(parts...)};
}
template <typename... Parts>
Status data_loss(const Parts&... parts) {
  return {StatusCode::DataLoss, str_cat(parts...)};
}
template <typename... Parts>
Status io_error(const Parts&... parts) {
  return {StatusCode::IoError, str_cat(parts...)};
}
template <typename... Parts>
Status internal_error(const Parts&... parts) {
  return {StatusCode::Internal, str_cat(parts...)};
}

/// A value of type T, or the Status that says why there is none.
///
/// Constructed implicitly from either, so functions can `return value;` or `return status;`.
/// Accessing value() of a failed Result is a bug in the caller and aborts with the message.
template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "use Status, not Result<Status>");

 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}        // NOLINT: implicit
  Result(Status status) : data_(std::in_place_index<1>, std::move(status)) {  // NOLINT: implicit
    if (std::get<1>(data_).is_ok()) {
      data_.template emplace<1>(StatusCode::Internal, "Result constructed from an Ok status");
    }
  }

  bool ok() const { return data_.index() == 0; }
  /// Ok when a value is present.
  Status status() const { return ok() ? Status::ok() : std::get<1>(data_); }

  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }

  T& operator*() & { return checked(); }
  const T& operator*() const& { return const_cast<Result*>(this)->checked(); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->checked(); }

 private:
  T& checked();
  std::variant<T, Status> data_;
};

[[noreturn]] void abort_on_bad_result_access(const Status& status);

template <typename T>
T& Result<T>::checked() {
  if (!ok()) abort_on_bad_result_access(std::get<1>(data_));
  return std::get<0>(data_);
}

}  // namespace braid::core

#define BRAID_STATUS_CONCAT_INNER(a, b) a##b
#define BRAID_STATUS_CONCAT(a, b) BRAID_STATUS_CONCAT_INNER(a, b)

/// Evaluates an expression yielding Status (or Result) and returns its status if it failed.
#define BRAID_TRY(...)                                                       \
  do {                                                                       \
    auto braid_try_status_ = ::braid::core::detail_status_of((__VA_ARGS__)); \
    if (!braid_try_status_.is_ok()) return braid_try_status_;                \
  } while (0)

/// `BRAID_ASSIGN_OR_RETURN(auto file, open(path));` — unwraps a Result or returns its status.
#define BRAID_ASSIGN_OR_RETURN(lhs, ...) \
  BRAID_ASSIGN_OR_RETURN_IMPL(BRAID_STATUS_CONCAT(braid_result_, __LINE__), lhs, __VA_ARGS__)
#define BRAID_ASSIGN_OR_RETURN_IMPL(tmp, lhs, ...) \
  auto tmp = (__VA_ARGS__);                        \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

namespace braid::core {
inline Status detail_status_of(Status status) { return status; }
template <typename T>
Status detail_status_of(const Result<T>& result) {
  return result.status();
}
}  // namespace braid::core
