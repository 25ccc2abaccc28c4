// The scheduler's public face: plan cache, runs, reads, and the weights and states shared by
// every plan. Placement and plan building are in scheduler_plan.cpp.
#include "braid/plugins/scheduler.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "braid/graph_check.h"
#include "scheduler_plan.h"

namespace braid::plugins {

Scheduler::Scheduler(std::vector<Device*> devices, SchedulerOptions options)
    : devices_(std::move(devices)), options_(std::move(options)) {
  const char* level = std::getenv("BRAID_LOG");
  log_to_stderr_ = level != nullptr && std::strcmp(level, "debug") == 0;
}

Scheduler::~Scheduler() {
  // Compiled graphs go before the weight and state buffers they name.
  plans_.clear();
}

core::Result<std::unique_ptr<Scheduler>> Scheduler::create(std::vector<Device*> devices,
                                                           SchedulerOptions options) {
  if (devices.empty()) return core::invalid_argument("[scheduler] no devices given");
  for (size_t i = 0; i < devices.size(); ++i) {
    if (devices[i] == nullptr) return core::invalid_argument("[scheduler] device ", i, " is null");
  }
  return std::unique_ptr<Scheduler>(new Scheduler(std::move(devices), std::move(options)));
}

void Scheduler::log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else if (log_to_stderr_) {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

core::Result<Buffer*> Scheduler::weight_buffer(const core::GraphTensor& t, size_t d) {
  auto key = std::make_pair(
      core::str_cat(t.name, "@", static_cast<const void*>(t.data.data()), "+", t.data.size()), d);
  if (auto it = weights_.find(key); it != weights_.end()) return it->second.buffer.get();
  Device& device = *devices_[d];
  Stored stored;
  stored.device = d;
  stored.bytes = t.data.size();
  stored.dtype = t.dtype;
  core::Result<Buffer> wrapped =
      options_.weights_in_place ? device.wrap_host(t.data.data(), t.data.size())
                                : core::Result<Buffer>(core::not_supported("copies asked for"));
  if (wrapped.ok()) {
    stored.buffer = std::make_unique<Buffer>(std::move(wrapped).value());
  } else {
    if (wrapped.status().code() != core::StatusCode::NotSupported) return wrapped.status();
    BRAID_ASSIGN_OR_RETURN(Buffer b, device.alloc(t.data.size(), BufferUsage::Weights));
    BRAID_TRY(device.upload(b, 0, t.data.data(), t.data.size()));
    BRAID_TRY(device.synchronize());
    stored.buffer = std::make_unique<Buffer>(std::move(b));
    log(core::str_cat("[scheduler] weight '", t.name, "' (", t.data.size(), " bytes) uploaded to ",
                      device.plugin().name()));
  }
  return weights_.emplace(std::move(key), std::move(stored)).first->second.buffer.get();
}

core::Result<Scheduler::Stored*> Scheduler::state_slot(const core::GraphTensor& t, size_t d) {
  const std::vector<int64_t> shape(t.shape.begin(), t.shape.begin() + t.rank);
  if (auto it = states_.find(t.name); it != states_.end()) {
    Stored& s = it->second;
    if (s.dtype != t.dtype || s.shape != shape) {
      return core::invalid_argument("[scheduler] state '", t.name, "' was ",
                                    abi::dtype_name(s.dtype), " with ", s.shape.size(), " dims of ",
                                    s.bytes, " bytes; this graph declares it ",
                                    abi::dtype_name(t.dtype), " of ", t.packed_bytes(), " bytes");
    }
    if (s.device != d) {
      return core::internal_error("[scheduler] state '", t.name, "' is asked for on device ", d,
                                  " but lives on ", s.device);
    }
    return &s;
  }
  Device& device = *devices_[d];
  Stored s;
  s.device = d;
  s.bytes = t.packed_bytes();
  s.dtype = t.dtype;
  s.shape = shape;
  BRAID_ASSIGN_OR_RETURN(Buffer b, device.alloc(s.bytes, BufferUsage::Activations));
  const std::vector<std::byte> zeros(s.bytes);
  BRAID_TRY(device.upload(b, 0, zeros.data(), zeros.size()));
  BRAID_TRY(device.synchronize());
  s.buffer = std::make_unique<Buffer>(std::move(b));
  log(core::str_cat("[scheduler] state '", t.name, "' (", s.bytes, " bytes) lives on ",
                    device.plugin().name()));
  return &states_.emplace(t.name, std::move(s)).first->second;
}

const Scheduler::Stored* Scheduler::find_state(std::string_view name) const {
  auto it = states_.find(name);
  return it == states_.end() ? nullptr : &it->second;
}

core::Status Scheduler::prepare(const core::Graph& graph) {
  BRAID_TRY(graph.status().with_context("[scheduler] the graph failed to build"));
  if (plans_.count(graph.signature())) return core::Status::ok();
  BRAID_ASSIGN_OR_RETURN(std::unique_ptr<detail::Plan> plan, build_plan(graph));
  plans_.emplace(graph.signature(), std::move(plan));
  return core::Status::ok();
}

core::Status Scheduler::run(const core::Graph& graph, std::span<const HostInput> inputs) {
  BRAID_TRY(prepare(graph));
  detail::Plan& plan = *plans_.find(graph.signature())->second;
  last_run_ = nullptr;
  for (const HostInput& in : inputs) {
    const core::TensorId id = graph.find(in.name);
    if (!id.valid() || graph.tensor(id).kind != core::TensorKind::Input) {
      return core::invalid_argument("[scheduler] run: '", in.name,
                                    "' is not an input of the graph");
    }
  }
  for (const detail::InputSlot& slot : plan.inputs) {
    const HostInput* given = nullptr;
    for (const HostInput& in : inputs) {
      if (in.name == slot.name) given = &in;
    }
    if (given == nullptr)
      return core::invalid_argument("[scheduler] run: input '", slot.name, "' is missing");
    if (given->data.size() != slot.bytes) {
      return core::invalid_argument("[scheduler] run: input '", slot.name, "' has ",
                                    given->data.size(), " bytes, the graph needs ", slot.bytes);
    }
    for (const auto& [d, buffer] : slot.copies) {
      BRAID_TRY(devices_[d]->upload(*buffer, 0, given->data.data(), slot.bytes));
    }
  }
  for (Device* device : devices_) BRAID_TRY(device->synchronize());
  // Segments run in order; each waits for the previous one's results through the transfers.
  std::byte* staging = plan.staging.data();
  for (const detail::Segment& seg : plan.segments) {
    for (const detail::Transfer& t : seg.before) {
      BRAID_TRY(devices_[t.src_device]->download(*t.src, 0, staging, t.bytes));
      BRAID_TRY(devices_[t.src_device]->synchronize());
      BRAID_TRY(devices_[t.dst_device]->upload(*t.dst, 0, staging, t.bytes));
      BRAID_TRY(devices_[t.dst_device]->synchronize());
    }
    BRAID_TRY(devices_[seg.device]->run(seg.compiled));
    BRAID_TRY(devices_[seg.device]->synchronize());
  }
  last_run_ = &plan;
  return core::Status::ok();
}

core::Status Scheduler::read(std::string_view name, std::span<std::byte> out) const {
  if (last_run_ == nullptr)
    return core::invalid_argument("[scheduler] read '", name, "': no run has completed");
  for (const detail::OutputSlot& slot : last_run_->outputs) {
    if (slot.name != name) continue;
    if (out.size() != slot.bytes) {
      return core::invalid_argument("[scheduler] read '", name, "': ", out.size(),
                                    " bytes given, the output has ", slot.bytes);
    }
    BRAID_TRY(devices_[slot.device]->download(*slot.buffer, 0, out.data(), slot.bytes));
    return devices_[slot.device]->synchronize();
  }
  return core::not_found("[scheduler] read '", name,
                         "': not an output of the last run (mark_output)");
}

core::Result<std::vector<float>> Scheduler::read(std::string_view name) const {
  std::vector<float> values;
  if (last_run_ != nullptr) {
    for (const detail::OutputSlot& slot : last_run_->outputs) {
      if (slot.name != name) continue;
      if (slot.dtype != abi::kF32) {
        return core::not_supported("[scheduler] read '", name, "': the output is ",
                                   abi::dtype_name(slot.dtype), ", not F32 (read its bytes)");
      }
      values.resize(slot.bytes / sizeof(float));
    }
  }
  BRAID_TRY(read(name, std::as_writable_bytes(std::span<float>(values))));
  return values;
}

core::Status Scheduler::write_state(std::string_view name, std::span<const std::byte> data) {
  const Stored* s = find_state(name);
  if (s == nullptr)
    return core::not_found("[scheduler] write_state '", name,
                           "': no such state (prepare a graph that declares it)");
  if (data.size() != s->bytes) {
    return core::invalid_argument("[scheduler] write_state '", name, "': ", data.size(),
                                  " bytes given, the state has ", s->bytes);
  }
  BRAID_TRY(devices_[s->device]->upload(*s->buffer, 0, data.data(), data.size()));
  return devices_[s->device]->synchronize();
}

core::Status Scheduler::read_state(std::string_view name, std::span<std::byte> out) const {
  const Stored* s = find_state(name);
  if (s == nullptr) return core::not_found("[scheduler] read_state '", name, "': no such state");
  if (out.size() != s->bytes) {
    return core::invalid_argument("[scheduler] read_state '", name, "': ", out.size(),
                                  " bytes given, the state has ", s->bytes);
  }
  BRAID_TRY(devices_[s->device]->download(*s->buffer, 0, out.data(), out.size()));
  return devices_[s->device]->synchronize();
}

std::vector<size_t> Scheduler::placement(const core::Graph& graph) const {
  auto it = plans_.find(graph.signature());
  return it == plans_.end() ? std::vector<size_t>{} : it->second->node_device;
}

}  // namespace braid::plugins
