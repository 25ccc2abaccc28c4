// Shared helpers of the decoder tests: device lists per backend and small model files.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "braid/plugins/device.h"
#include "op_runner.h"

namespace braid::test {

/// The device list a decoder runs on for backend `name`: {reference} or {cpu, reference}.
/// Empty when the backend is not available (the test should skip).
inline std::vector<plugins::Device*> decoder_devices(const std::string& name, std::string* why) {
  plugins::Device* reference = backend_device("reference", why);
  if (reference == nullptr) return {};
  if (name == "reference") return {reference};
  plugins::Device* device = backend_device(name, why);
  if (device == nullptr) return {};
  return {device, reference};
}

#define BRAID_DEVICES_OR_SKIP(var, name)                             \
  std::string var##_why;                                             \
  const auto var = ::braid::test::decoder_devices(name, &var##_why); \
  if (var.empty()) GTEST_SKIP() << (name) << " backend unavailable: " << var##_why

}  // namespace braid::test
