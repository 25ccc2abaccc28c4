// The reference backend against op results computed with numpy in float64
// (tests/golden/ops/cases.json, written by tests/scripts/make_op_golden.py).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "op_runner.h"
#include "test_paths.h"

namespace braid::test {
namespace {

using nlohmann::json;

uint32_t dtype_id(const std::string& name) {
  for (uint32_t id : {abi::kF32, abi::kF16, abi::kBF16, abi::kI32, abi::kQ8_0, abi::kQ4_0,
                      abi::kQ4_1, abi::kQ5_0, abi::kQ5_1, abi::kQ4_K, abi::kQ5_K, abi::kQ6_K}) {
    if (abi::dtype_name(id) == name) return id;
  }
  ADD_FAILURE() << "unknown dtype " << name;
  return abi::kF32;
}

uint32_t op_id(const std::string& name) {
  for (uint32_t op = 1; op < BRAID_OP_COUNT; ++op) {
    if (abi::op_name(op) == name) return op;
  }
  ADD_FAILURE() << "unknown op " << name;
  return BRAID_OP_NONE;
}

std::vector<float> floats(const json& data) {
  std::vector<float> out;
  for (const auto& v : data) {
    out.push_back(v.is_string() ? (v == "-inf" ? -INFINITY : INFINITY) : v.get<float>());
  }
  return out;
}

HostTensor make_tensor(const json& t) {
  const uint32_t dtype = dtype_id(t["dtype"]);
  const auto shape = t["shape"].get<std::vector<int64_t>>();
  if (t.contains("hex")) {
    const std::string hex = t["hex"];
    std::vector<std::byte> bytes(hex.size() / 2);
    for (size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<std::byte>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    }
    return HostTensor::from_bytes(dtype, shape, bytes);
  }
  if (dtype == abi::kI32) return HostTensor::from_i32(shape, t["data"].get<std::vector<int32_t>>());
  return HostTensor::from_f32(dtype, shape, floats(t["data"]));
}

braid_op_params make_params(uint32_t op, const json& p) {
  braid_op_params params{};
  switch (op) {
    case BRAID_OP_SCALE:
      params.scale = {p["scale"].get<float>(), p["bias"].get<float>()};
      break;
    case BRAID_OP_RMS_NORM:
    case BRAID_OP_LAYER_NORM:
      params.norm.eps = p["eps"];
      break;
    case BRAID_OP_ROPE:
      params.rope = {p["mode"].get<uint32_t>(), p["n_rot"].get<int32_t>(),
                     p["freq_base"].get<float>(), p["freq_scale"].get<float>()};
      break;
    case BRAID_OP_SOFTMAX:
      params.softmax.scale = p["scale"];
      break;
    case BRAID_OP_ATTENTION:
      params.attention = {p["scale"].get<float>(), p["causal"].get<int32_t>()};
      break;
    case BRAID_OP_CONV1D:
    case BRAID_OP_CONV2D:
      params.conv = {p["stride"].get<int32_t>(), p["padding"].get<int32_t>()};
      break;
    case BRAID_OP_AVG_POOL2D:
      params.pool.kernel = p["kernel"];
      break;
    case BRAID_OP_CONCAT:
      params.concat.axis = p["axis"];
      break;
    case BRAID_OP_PERMUTE:
      for (size_t i = 0; i < p["axes"].size(); ++i) params.permute.axes[i] = p["axes"][i];
      break;
    default:
      break;
  }
  return params;
}

TEST(ReferenceGolden, EveryNumpyCaseMatches) {
  std::ifstream in(golden_dir() / "ops" / "cases.json");
  ASSERT_TRUE(in) << "missing tests/golden/ops/cases.json";
  const json doc = json::parse(in);
  plugins::Device* reference = backend_device("reference");
  ASSERT_NE(reference, nullptr);
  ASSERT_GE(doc["cases"].size(), 25u);
  for (const auto& c : doc["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    OpCase op;
    op.op = op_id(c["op"]);
    op.params = make_params(op.op, c["params"]);
    for (const auto& input : c["inputs"]) {
      op.inputs.push_back(input.is_null() ? std::nullopt : std::optional(make_tensor(input)));
    }
    const json& out = c["output"];
    op.output =
        out.contains("initial")
            ? GraphTensor::output_from(make_tensor(out["initial"]))
            : GraphTensor::output(dtype_id(out["dtype"]), out["shape"].get<std::vector<int64_t>>());
    auto result = run_op(*reference, op);
    ASSERT_TRUE(result.ok()) << result.status().to_string();
    EXPECT_TRUE(result->guard_errors.empty());
    const std::vector<float> want = floats(c["expected"]);
    const std::vector<float> got = result->outputs[0].to_f32();
    const Diff d = compare(got, want);
    EXPECT_EQ(d.got_nonfinite, 0);
    // numpy in float64 rounded to float32 against double accumulation rounded to float32.
    EXPECT_LE(d.nmse, 1e-12);
    EXPECT_LE(d.max_abs, 2e-6 * std::max(1.0, d.want_max_abs))
        << "index " << d.worst << ": got " << got[d.worst] << ", numpy " << want[d.worst];
  }
}

}  // namespace
}  // namespace braid::test
