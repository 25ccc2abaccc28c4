// Placing a graph's nodes on devices and building its plan: segments, buffers, transfers and
// compiled subgraphs.
#include "scheduler_plan.h"

#include <algorithm>
#include <map>
#include <set>

#include "braid/graph_check.h"
#include "braid/plugins/scheduler.h"

namespace braid::plugins {
namespace {

using core::GraphTensor;
using core::TensorKind;

// As the ABI describes `t` while asking supports_op: placement comes before allocation, so every
// tensor with storage carries core's placeholder buffer handle.
braid_tensor_desc describe(const GraphTensor& t) { return t.abi_desc(); }

braid_node_desc describe(const core::GraphNode& n) {
  braid_node_desc d{};
  d.op = n.op;
  d.n_inputs = n.n_inputs;
  std::copy(n.inputs.begin(), n.inputs.end(), d.inputs);
  d.output = n.output;
  d.params = n.params;
  return d;
}

// The State a tensor stands for (itself, or a view's base), or -1.
int32_t state_of(const core::Graph& g, int32_t index) {
  const GraphTensor& t = g.tensors()[index];
  if (t.kind == TensorKind::State) return index;
  if (t.kind == TensorKind::View && g.tensors()[t.base].kind == TensorKind::State) return t.base;
  return -1;
}

// Every tensor a node touches: its present inputs, then its output.
std::vector<int32_t> operands(const core::GraphNode& n) {
  std::vector<int32_t> out;
  for (uint32_t s = 0; s < n.n_inputs; ++s) {
    if (n.inputs[s] >= 0) out.push_back(n.inputs[s]);
  }
  out.push_back(n.output);
  return out;
}

}  // namespace

core::Result<std::unique_ptr<detail::Plan>> Scheduler::build_plan(const core::Graph& graph) {
  using detail::Plan;
  const auto& tensors = graph.tensors();
  const auto& nodes = graph.nodes();
  if (nodes.empty()) return core::invalid_argument("[scheduler] the graph has no nodes");
  auto plan = std::make_unique<Plan>();

  // ---- placement -----------------------------------------------------------------------------
  std::vector<braid_tensor_desc> probe_tensors;
  for (const GraphTensor& t : tensors) probe_tensors.push_back(describe(t));
  std::vector<braid_node_desc> probe_nodes;
  for (const core::GraphNode& n : nodes) probe_nodes.push_back(describe(n));
  const braid_graph_desc probe{static_cast<uint32_t>(probe_tensors.size()), probe_tensors.data(),
                               static_cast<uint32_t>(probe_nodes.size()), probe_nodes.data()};
  // A state stays on one device: the one its first user ran on (earlier plans included).
  std::map<int32_t, size_t> state_home;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].kind != TensorKind::State) continue;
    if (const Stored* s = find_state(tensors[i].name))
      state_home[static_cast<int32_t>(i)] = s->device;
  }
  auto why_not = [&](size_t d, uint32_t n) {
    std::string why;
    if (options_.decline) why = options_.decline(*devices_[d], graph, n);
    if (why.empty() && !devices_[d]->supports_op(probe, n, &why)) {
      if (why.empty()) why = "declined";
    }
    return why;
  };
  plan->node_device.resize(nodes.size());
  for (uint32_t n = 0; n < nodes.size(); ++n) {
    const core::GraphNode& node = nodes[n];
    const std::string label = core::str_cat("node ", n, " '", tensors[node.output].name, "' (",
                                            abi::op_name(node.op), ")");
    int32_t pinned_state = -1;
    for (int32_t t : operands(node)) {
      const int32_t s = state_of(graph, t);
      if (s >= 0 && state_home.count(s)) pinned_state = s;
    }
    std::string declines;
    size_t chosen = devices_.size();
    for (size_t d = 0; d < devices_.size(); ++d) {
      if (pinned_state >= 0 && d != state_home[pinned_state]) continue;
      const std::string why = why_not(d, n);
      if (why.empty()) {
        chosen = d;
        break;
      }
      declines += core::str_cat(declines.empty() ? "" : "; ", devices_[d]->plugin().name(),
                                " declines (", why, ")");
    }
    if (chosen == devices_.size()) {
      if (pinned_state >= 0) {
        return core::not_supported("[scheduler] ", label, " uses state '",
                                   tensors[pinned_state].name, "', which lives on ",
                                   devices_[state_home[pinned_state]]->plugin().name(), ": ",
                                   declines);
      }
      return core::not_supported("[scheduler] ", label, ": no device runs it: ", declines);
    }
    if (!declines.empty()) {
      log(core::str_cat("[scheduler] ", label, ": ", declines, "; runs on ",
                        devices_[chosen]->plugin().name()));
    } else if (pinned_state >= 0 && chosen != 0) {
      log(core::str_cat("[scheduler] ", label, ": runs on ", devices_[chosen]->plugin().name(),
                        ", where state '", tensors[pinned_state].name, "' lives"));
    }
    plan->node_device[n] = chosen;
    for (int32_t t : operands(node)) {
      const int32_t s = state_of(graph, t);
      if (s >= 0 && !state_home.count(s)) state_home[s] = chosen;
    }
  }

  // ---- segments and who reads what where -----------------------------------------------------
  std::vector<size_t> node_segment(nodes.size());
  for (uint32_t n = 0; n < nodes.size(); ++n) {
    if (n == 0 || plan->node_device[n] != plan->node_device[n - 1]) {
      plan->segments.emplace_back();
      plan->segments.back().device = plan->node_device[n];
    }
    node_segment[n] = plan->segments.size() - 1;
  }
  std::vector<int64_t> producer(tensors.size(), -1);      // segment writing an intermediate
  std::vector<std::set<size_t>> readers(tensors.size());  // segments reading a tensor
  for (uint32_t n = 0; n < nodes.size(); ++n) {
    for (uint32_t s = 0; s < nodes[n].n_inputs; ++s) {
      if (nodes[n].inputs[s] >= 0) readers[nodes[n].inputs[s]].insert(node_segment[n]);
    }
    if (tensors[nodes[n].output].kind == TensorKind::Intermediate) {
      producer[nodes[n].output] = static_cast<int64_t>(node_segment[n]);
    }
  }

  // ---- buffers -------------------------------------------------------------------------------
  std::map<std::pair<int32_t, size_t>, const Buffer*> placed;  // (tensor, device) -> buffer
  auto new_buffer = [&](uint64_t bytes, size_t d) -> core::Result<const Buffer*> {
    BRAID_ASSIGN_OR_RETURN(Buffer b, devices_[d]->alloc(bytes, BufferUsage::Activations));
    plan->buffers.push_back(std::move(b));
    return &plan->buffers.back();
  };
  // The buffer holding Input/State/Weight `t` on device `d`.
  auto storage = [&](int32_t t, size_t d) -> core::Result<const Buffer*> {
    const auto key = std::make_pair(t, d);
    if (auto it = placed.find(key); it != placed.end()) return it->second;
    const GraphTensor& gt = tensors[t];
    const Buffer* b = nullptr;
    if (gt.kind == TensorKind::Weight) {
      BRAID_ASSIGN_OR_RETURN(b, weight_buffer(gt, d));
    } else if (gt.kind == TensorKind::State) {
      BRAID_ASSIGN_OR_RETURN(Stored * s, state_slot(gt, d));
      b = s->buffer.get();
    } else {  // an Input
      BRAID_ASSIGN_OR_RETURN(b, new_buffer(gt.packed_bytes(), d));
      auto slot = std::find_if(plan->inputs.begin(), plan->inputs.end(),
                               [&](const detail::InputSlot& in) { return in.name == gt.name; });
      if (slot == plan->inputs.end()) {
        plan->inputs.push_back({gt.name, gt.packed_bytes(), {}});
        slot = plan->inputs.end() - 1;
      }
      slot->copies.emplace_back(d, b);
    }
    placed[key] = b;
    return b;
  };
  // Intermediates that leave their segment, or are outputs, get a buffer on their producer.
  std::vector<const Buffer*> home(tensors.size(), nullptr);
  for (size_t t = 0; t < tensors.size(); ++t) {
    if (producer[t] < 0) continue;
    const bool crosses = std::any_of(readers[t].begin(), readers[t].end(),
                                     [&](size_t s) { return s != size_t(producer[t]); });
    if (!crosses && !tensors[t].output) continue;
    const size_t d = plan->segments[producer[t]].device;
    BRAID_ASSIGN_OR_RETURN(home[t], new_buffer(tensors[t].packed_bytes(), d));
    placed[{static_cast<int32_t>(t), d}] = home[t];
  }

  // ---- per-segment descriptions --------------------------------------------------------------
  uint64_t staging = 0;
  for (size_t si = 0; si < plan->segments.size(); ++si) {
    detail::Segment& seg = plan->segments[si];
    const size_t d = seg.device;
    std::map<int32_t, int32_t> local;
    auto local_index = [&](int32_t t) -> core::Result<int32_t> {
      if (auto it = local.find(t); it != local.end()) return it->second;
      const GraphTensor& gt = tensors[t];
      braid_tensor_desc desc = describe(gt);
      plan->names.push_back(gt.name);
      desc.name = plan->names.back().c_str();
      desc.buffer = nullptr;
      if (gt.kind == TensorKind::View) {
        BRAID_ASSIGN_OR_RETURN(const Buffer* b, storage(gt.base, d));
        desc.buffer = b->handle();
      } else if (gt.kind != TensorKind::Intermediate) {
        BRAID_ASSIGN_OR_RETURN(const Buffer* b, storage(t, d));
        desc.buffer = b->handle();
      } else if (producer[t] == static_cast<int64_t>(si) || home[t] == nullptr) {
        desc.buffer = home[t] ? home[t]->handle() : nullptr;
      } else {
        // Read here, made elsewhere: its home buffer on the same device, or a copy of it.
        const size_t from = plan->segments[producer[t]].device;
        if (from == d) {
          desc.buffer = home[t]->handle();
        } else {
          const auto key = std::make_pair(t, d);
          const Buffer* copy = nullptr;
          if (auto it = placed.find(key); it != placed.end()) {
            copy = it->second;
          } else {
            BRAID_ASSIGN_OR_RETURN(copy, new_buffer(gt.packed_bytes(), d));
            placed[key] = copy;
            seg.before.push_back({from, home[t], d, copy, gt.packed_bytes()});
            staging = std::max(staging, gt.packed_bytes());
            log(core::str_cat("[scheduler] '", gt.name, "' (", gt.packed_bytes(),
                              " bytes) is copied from ", devices_[from]->plugin().name(), " to ",
                              devices_[d]->plugin().name()));
          }
          desc.buffer = copy->handle();
        }
      }
      seg.tensors.push_back(desc);
      local[t] = static_cast<int32_t>(seg.tensors.size() - 1);
      return local[t];
    };
    for (uint32_t n = 0; n < nodes.size(); ++n) {
      if (node_segment[n] != si) continue;
      braid_node_desc nd = describe(nodes[n]);
      for (uint32_t s = 0; s < nd.n_inputs; ++s) {
        if (nd.inputs[s] < 0) continue;
        BRAID_ASSIGN_OR_RETURN(nd.inputs[s], local_index(nd.inputs[s]));
      }
      BRAID_ASSIGN_OR_RETURN(nd.output, local_index(nd.output));
      seg.nodes.push_back(nd);
    }
  }
  plan->staging.resize(staging);

  // ---- outputs -------------------------------------------------------------------------------
  for (size_t t = 0; t < tensors.size(); ++t) {
    const GraphTensor& gt = tensors[t];
    if (!gt.output) continue;
    detail::OutputSlot out{gt.name, 0, nullptr, gt.packed_bytes(), gt.dtype};
    if (gt.kind == TensorKind::Intermediate) {
      out.device = plan->segments[producer[t]].device;
      out.buffer = home[t];
    } else {
      // An Input or State: its buffer on the first device that has one (device 0 if none).
      auto it = std::find_if(placed.begin(), placed.end(),
                             [&](const auto& e) { return e.first.first == int32_t(t); });
      out.device = it != placed.end() ? it->first.second : 0;
      if (const Stored* st = find_state(gt.name); st && gt.kind == TensorKind::State) {
        out.device = st->device;  // a state no node of this graph touches stays where it is
      }
      BRAID_ASSIGN_OR_RETURN(out.buffer, storage(static_cast<int32_t>(t), out.device));
    }
    plan->outputs.push_back(std::move(out));
  }

  // ---- compile -------------------------------------------------------------------------------
  for (detail::Segment& seg : plan->segments) {
    const braid_graph_desc desc{static_cast<uint32_t>(seg.tensors.size()), seg.tensors.data(),
                                static_cast<uint32_t>(seg.nodes.size()), seg.nodes.data()};
    BRAID_ASSIGN_OR_RETURN(seg.compiled, devices_[seg.device]->compile(desc));
    ++compile_count_;
    log(core::str_cat("[scheduler] compiled ", seg.nodes.size(), " nodes on ",
                      devices_[seg.device]->plugin().name()));
  }
  return plan;
}

}  // namespace braid::plugins
