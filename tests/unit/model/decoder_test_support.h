// Shared helpers of the decoder tests: device lists per backend and small model files.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "braid/plugins/device.h"
#include "braid/plugins/registry.h"
#include "op_runner.h"

namespace braid::test {

/// The device list a decoder runs on for backend `name`: {reference} or {cpu, reference}.
/// Empty when the backend is not available (the test should skip).
inline std::vector<plugins::Device*> decoder_devices(const std::string& name, std::string* why) {
  plugins::Device* reference = backend_device("reference", why);
  if (reference == nullptr) return {};
  if (name == "reference") return {reference};
  // One worker thread: the tests check numbers, not speed, and a 2-core CI machine running
  // other tests at the same time makes multi-threaded barriers crawl.
  static const plugins::Registry registry = plugins::Registry::discover();
  static std::map<std::string, std::unique_ptr<plugins::Device>> opened;
  auto& device = opened[name];
  if (!device) {
    auto selected = registry.select(name, plugins::DeviceOptions{1});
    if (!selected.ok()) {
      if (why) *why = selected.status().message();
      return {};
    }
    device = std::move(selected->device);
  }
  return {device.get(), reference};
}

#define BRAID_DEVICES_OR_SKIP(var, name)                             \
  std::string var##_why;                                             \
  const auto var = ::braid::test::decoder_devices(name, &var##_why); \
  if (var.empty()) GTEST_SKIP() << (name) << " backend unavailable: " << var##_why

}  // namespace braid::test
