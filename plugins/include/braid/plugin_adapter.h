// The plugin side of the backend ABI: lets a backend be written as ordinary C++ (a Device class
// that throws on failure) and exposes it as the braid_backend_v1 table.
//
// A backend provides one class with static members and names it in BRAID_PLUGIN_ENTRY:
//
//   struct MyBackend {
//     static constexpr const char* kName = "cpu";       // the plugin file is braid-backend-cpu.so
//     static constexpr const char* kVersion = "0.1.0";
//     static void probe(braid_probe_result& out);       // cheap; fill usable, score, …
//     static std::unique_ptr<braid::plugin::Device> open(uint32_t index,
//                                                        const braid_device_options& options);
//   };
//   BRAID_PLUGIN_ENTRY(MyBackend)
//
// What the adapter does so backends need not:
// - catches every exception at the boundary: braid::plugin::Error keeps its status, bad_alloc
//   becomes OUT_OF_MEMORY, anything else INTERNAL; the text goes to last_error, kept per device
//   and per thread;
// - owns the handles: checks that every buffer, stream and compiled-graph handle passed in is a
//   live one of that device, and keeps a buffer alive while a compiled graph names it even after
//   the host frees it;
// - checks offsets and sizes of transfers against buffer sizes, and validates graphs with
//   braid::abi::validate_graph before Device::compile sees them (so compile receives a graph
//   whose shapes, dtypes and layouts follow the op rules, with buffer handles resolved);
// - reads braid_device_options only as far as the host's struct_size says.
//
// Include this header in plugin code only (it defines the opaque handle types' meaning).
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "braid/backend.h"
#include "braid/graph_check.h"
#include "braid/plugin_types.h"

namespace braid::plugin {

// ---- the adapter ---------------------------------------------------------------------------

namespace detail {

// What the adapter keeps per opened device. Handles given to the host are these objects'
// addresses; every handle that comes back is looked up before use.
struct DeviceSlot {
  struct BufferEntry {
    std::unique_ptr<Buffer> buffer;
    int graph_refs = 0;             // compiled graphs that name it
    bool released_by_host = false;  // buffer_free was called; freed when graph_refs drops to 0
  };
  struct CompiledEntry {
    std::unique_ptr<Compiled> compiled;
    std::vector<Buffer*> buffers;  // buffers it holds a reference on
  };

  std::unique_ptr<Device> device;
  std::mutex mutex;  // guards the maps below
  std::unordered_map<std::thread::id, std::string> errors;
  std::unordered_map<Buffer*, BufferEntry> buffers;
  std::unordered_map<Stream*, std::unique_ptr<Stream>> streams;
  std::unordered_map<Compiled*, CompiledEntry> compiled;

  Buffer* find_buffer(braid_buffer_t* handle) {
    auto it = buffers.find(reinterpret_cast<Buffer*>(handle));
    return it == buffers.end() || it->second.released_by_host ? nullptr : it->first;
  }
  void drop_graph_ref(Buffer* buffer) {
    auto it = buffers.find(buffer);
    if (it != buffers.end() && --it->second.graph_refs == 0 && it->second.released_by_host) {
      buffers.erase(it);
    }
  }
};

// Live devices, so a stale or foreign device handle is refused instead of dereferenced.
struct DeviceList {
  std::mutex mutex;
  std::vector<DeviceSlot*> live;
};
inline DeviceList& device_list() {
  static DeviceList* list = new DeviceList();  // never destroyed: safe in late static teardown
  return *list;
}

inline DeviceSlot* find_device(braid_device_t* handle) {
  auto& list = device_list();
  std::lock_guard<std::mutex> lock(list.mutex);
  for (DeviceSlot* slot : list.live) {
    if (reinterpret_cast<braid_device_t*>(slot) == handle) return slot;
  }
  return nullptr;
}

inline std::string& deviceless_error() {
  thread_local std::string text;
  return text;
}

inline void set_error(DeviceSlot* slot, std::string text) {
  if (slot == nullptr) {
    deviceless_error() = std::move(text);
    return;
  }
  std::lock_guard<std::mutex> lock(slot->mutex);
  slot->errors[std::this_thread::get_id()] = std::move(text);
}

// Runs `body`, turning whatever it throws into a status and the slot's error text.
template <typename Body>
braid_status guarded(DeviceSlot* slot, Body&& body) {
  try {
    body();
    return BRAID_STATUS_OK;
  } catch (const Error& e) {
    set_error(slot, e.what());
    return e.status();
  } catch (const std::bad_alloc&) {
    set_error(slot, "out of memory");
    return BRAID_STATUS_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    set_error(slot, std::string("internal error: ") + e.what());
    return BRAID_STATUS_INTERNAL;
  } catch (...) {
    set_error(slot, "internal error: an unknown exception");
    return BRAID_STATUS_INTERNAL;
  }
}

inline DeviceSlot* need_device(braid_device_t* handle) {
  DeviceSlot* slot = find_device(handle);
  if (slot == nullptr) fail(BRAID_STATUS_INVALID_ARGUMENT, "not a live device handle");
  return slot;
}

// Looks up a buffer handle and checks [offset, offset + bytes) lies inside it.
inline Buffer* need_range(DeviceSlot* slot,
                          braid_buffer_t* handle,
                          uint64_t offset,
                          uint64_t bytes,
                          bool write,
                          const char* role) {
  Buffer* buffer = nullptr;
  {
    std::lock_guard<std::mutex> lock(slot->mutex);
    buffer = slot->find_buffer(handle);
  }
  if (buffer == nullptr) fail(BRAID_STATUS_INVALID_ARGUMENT, role, ": not a live buffer handle");
  if (offset > buffer->size() || bytes > buffer->size() - offset) {
    fail(BRAID_STATUS_INVALID_ARGUMENT, role, ": range [", offset, ", ", offset, " + ", bytes,
         ") runs past the buffer of ", buffer->size(), " bytes");
  }
  if (write && !buffer->writable()) {
    fail(BRAID_STATUS_INVALID_ARGUMENT, role, ": the buffer is read-only (wrapped host memory)");
  }
  return buffer;
}

inline Stream* need_stream(DeviceSlot* slot, braid_stream_t* handle) {
  if (handle == nullptr) return nullptr;
  std::lock_guard<std::mutex> lock(slot->mutex);
  auto it = slot->streams.find(reinterpret_cast<Stream*>(handle));
  if (it == slot->streams.end()) fail(BRAID_STATUS_INVALID_ARGUMENT, "not a live stream handle");
  return it->first;
}

inline Compiled* need_compiled(DeviceSlot* slot, braid_compiled_t* handle) {
  std::lock_guard<std::mutex> lock(slot->mutex);
  auto it = slot->compiled.find(reinterpret_cast<Compiled*>(handle));
  if (it == slot->compiled.end()) {
    fail(BRAID_STATUS_INVALID_ARGUMENT, "not a live compiled-graph handle of this device");
  }
  return it->first;
}

template <typename Backend>
struct Table {
  static braid_status probe(braid_probe_result* out) {
    return guarded(nullptr, [&] {
      if (out == nullptr) fail(BRAID_STATUS_INVALID_ARGUMENT, "probe: out is NULL");
      *out = braid_probe_result{};
      try {
        Backend::probe(*out);
      } catch (const std::exception& e) {
        out->usable = 0;
        out->score = 0;
        copy_text(out->reason, e.what());
        throw;
      }
      if (!out->usable) out->score = 0;
    });
  }

  static braid_status device_open(uint32_t index,
                                  const braid_device_options* options,
                                  braid_device_t** out) {
    return guarded(nullptr, [&] {
      if (out == nullptr) fail(BRAID_STATUS_INVALID_ARGUMENT, "device_open: out is NULL");
      *out = nullptr;
      braid_device_options normalized{sizeof(braid_device_options), 0};
      if (options != nullptr && options->struct_size >= offsetof(braid_device_options, threads) +
                                                            sizeof(options->threads)) {
        normalized.threads = options->threads;
      }
      auto slot = std::make_unique<DeviceSlot>();
      slot->device = Backend::open(index, normalized);
      if (!slot->device) fail(BRAID_STATUS_INTERNAL, "device_open returned no device");
      auto& list = device_list();
      std::lock_guard<std::mutex> lock(list.mutex);
      list.live.push_back(slot.get());
      *out = reinterpret_cast<braid_device_t*>(slot.release());
    });
  }

  static void device_close(braid_device_t* handle) {
    auto& list = device_list();
    DeviceSlot* slot = nullptr;
    {
      std::lock_guard<std::mutex> lock(list.mutex);
      for (auto it = list.live.begin(); it != list.live.end(); ++it) {
        if (reinterpret_cast<braid_device_t*>(*it) == handle) {
          slot = *it;
          list.live.erase(it);
          break;
        }
      }
    }
    if (slot == nullptr) return;
    // Destructors must not throw out of a void call: swallow what a backend might throw.
    try {
      slot->compiled.clear();
      slot->streams.clear();
      slot->buffers.clear();
      slot->device.reset();
    } catch (...) {
    }
    delete slot;
  }

  static braid_status device_info(braid_device_t* handle, braid_device_info* out) {
    DeviceSlot* slot = find_device(handle);
    return guarded(slot, [&] {
      need_device(handle);
      if (out == nullptr) fail(BRAID_STATUS_INVALID_ARGUMENT, "device_info: out is NULL");
      *out = braid_device_info{};
      slot->device->info(*out);
    });
  }

  static const char* last_error(braid_device_t* handle) {
    if (handle == nullptr) return deviceless_error().c_str();
    DeviceSlot* slot = find_device(handle);
    if (slot == nullptr) return "not a live device handle";
    std::lock_guard<std::mutex> lock(slot->mutex);
    // Node-based map: the string stays put while other threads add their own entries.
    return slot->errors[std::this_thread::get_id()].c_str();
  }

  static braid_status buffer_alloc(braid_device_t* handle,
                                   uint64_t bytes,
                                   uint32_t usage,
                                   braid_buffer_t** out) {
    DeviceSlot* slot = find_device(handle);
    return guarded(slot, [&] {
      need_device(handle);
      if (out == nullptr) fail(BRAID_STATUS_INVALID_ARGUMENT, "buffer_alloc: out is NULL");
      *out = nullptr;
      if (usage > BRAID_BUFFER_STAGING) {
        fail(BRAID_STATUS_INVALID_ARGUMENT, "buffer_alloc: usage ", usage, " is not a usage");
      }
      adopt(slot, slot->device->alloc(bytes, static_cast<braid_buffer_usage>(usage)), out);
    });
  }

  static braid_status buffer_wrap_host(braid_device_t* handle,
                                       const void* data,
                                       uint64_t bytes,
                                       braid_buffer_t** out) {
    DeviceSlot* slot = find_device(handle);
    return guarded(slot, [&] {
      need_device(handle);
      if (out == nullptr) fail(BRAID_STATUS_INVALID_ARGUMENT, "buffer_wrap_host: out is NULL");
      *out = nullptr;
      if (data == nullptr && bytes != 0) {
        fail(BRAID_STATUS_INVALID_ARGUMENT, "buffer_wrap_host: data is NULL");
      }
      adopt(slot, slot->device->wrap_host(data, bytes), out);
    });
  }

  static void adopt(DeviceSlot* slot, std::unique_ptr<Buffer> buffer, braid_buffer_t** out) {
    if (!buffer) fail(BRAID_STATUS_INTERNAL, "the device returned no buffer");
    Buffer* raw = buffer.get();
    std::lock_guard<std::mutex> lock(slot->mutex);
    slot->buffers[raw].buffer = std::move(buffer);
    *out = reinterpret_cast<braid_buffer_t*>(raw);
  }

  static void buffer_free(braid_device_t* handle, braid_buffer_t* buffer) {
    DeviceSlot* slot = find_device(handle);
    if (slot == nullptr) return;
    std::lock_guard<std::mutex> lock(slot->mutex);
    auto it = slot->buffers.find(reinterpret_cast<Buffer*>(buffer));
    if (it == slot->buffers.end()) return;
    if (it->second.graph_refs > 0) {
      it->second.released_by_host = true;  // a compiled graph still names it
    } else {
      slot->buffers.erase(it);
    }
  }

  static void* buffer_host_ptr(braid_device_t* handle, braid_buffer_t* buffer) {
    DeviceSlot* slot = find_device(handle);
    if (slot == nullptr) return nullptr;
    std::lock_guard<std::mutex> lock(slot->mutex);
    Buffer* found = slot->find_buffer(buffer);
    return found ? found->host_ptr() : nullptr;
  }

  static braid_status buffer_upload(braid_device_t* handle,
                                    braid_buffer_t* dst,
                                    uint64_t offset,
                                    const void* src,
                                    uint64_t bytes,
                                    braid_stream_t* stream) {
    DeviceSlot* slot = find_device(handle);
    return guarded(slot, [&] {
      need_device(handle);
      Buffer* buffer = need_range(slot, dst, offset, bytes, true, "buffer_upload dst");
      if (src == nullptr && bytes != 0) fail(BRAID_STATUS_INVALID_ARGUMENT, "upload: src NULL");
      slot->device->upload(*buffer, offset, src, bytes, need_stream(slot, stream));
    });
  }

  static braid_status buffer_download(braid_device_t* handle,
                                      braid_buffer_t* src,
                                      uint64_t offset,
                                      void* dst,
                                      uint64_t bytes,
                                      braid_stream_t* stream) {
    DeviceSlot* slot = find_device(handle);
    return guarded(slot, [&] {
      need_device(handle);
      Buffer* buffer = need_range(slot, src, offset, bytes, false, "buffer_download src");
      if (dst == nullptr && bytes != 0) fail(BRAID_STATUS_INVALID_ARGUMENT, "download: dst NULL");
      slot->device->download(*buffer, offset, dst, bytes, need_stream(slot, stream));
    });
  }

  static braid_status buffer_copy(braid_device_t* handle,
                                  braid_buffer_t* src,
                                  uint64_t src_offset,
                                  braid_buffer_t* dst,
                                  uint64_t dst_offset,
                                  uint64_t bytes,
                                  braid_stream_t* stream) {
    DeviceSlot* slot = find_device(handle);
    return guarded(slot, [&] {
      need_device(handle);
      Buffer* from = need_range(slot, src, src_offset, bytes, false, "buffer_copy src");
      Buffer* to = need_range(slot, dst, dst_offset, bytes, true, "buffer_copy dst");
      slot->device->copy(*from, src_offset, *to, dst_offset, bytes, need_stream(slot, stream));
    });
  }

  static braid_status stream_create(braid_device_t* handle, braid_stream_t** out) {
    DeviceSlot* slot = find_device(handle);
    return guarded(slot, [&] {
      need_device(handle);
      if (out == nullptr) fail(BRAID_STATUS_INVALID_ARGUMENT, "stream_create: out is NULL");
      *out = nullptr;
      std::unique_ptr<Stream> stream = slot->device->create_stream();
      if (!stream) fail(BRAID_STATUS_INTERNAL, "the device returned no stream");
      Stream* raw = stream.get();
      std::lock_guard<std::mutex> lock(slot->mutex);
      slot->streams[raw] = std::move(stream);
      *out = reinterpret_cast<braid_stream_t*>(raw);
    });
  }

  static void stream_destroy(braid_device_t* handle, braid_stream_t* stream) {
    DeviceSlot* slot = find_device(handle);
    if (slot == nullptr) return;
    std::lock_guard<std::mutex> lock(slot->mutex);
    slot->streams.erase(reinterpret_cast<Stream*>(stream));
  }

  static braid_status synchronize(braid_device_t* handle, braid_stream_t* stream) {
    DeviceSlot* slot = find_device(handle);
    return guarded(slot, [&] {
      need_device(handle);
      slot->device->synchronize(need_stream(slot, stream));
    });
  }

  static int32_t supports_op(braid_device_t* handle,
                             const braid_graph_desc* graph,
                             uint32_t node_index) {
    DeviceSlot* slot = find_device(handle);
    int32_t supported = 0;
    const braid_status status = guarded(slot, [&] {
      need_device(handle);
      if (graph == nullptr) fail(BRAID_STATUS_INVALID_ARGUMENT, "supports_op: graph is NULL");
      if (graph->n_tensors > 0 && graph->tensors == nullptr) {
        fail(BRAID_STATUS_INVALID_ARGUMENT, "supports_op: the tensor table is NULL");
      }
      std::string why = abi::check_node(*graph, node_index);
      if (why.empty()) why = slot->device->why_unsupported(*graph, node_index);
      if (!why.empty()) fail(BRAID_STATUS_NOT_SUPPORTED, why);
      supported = 1;
    });
    return status == BRAID_STATUS_OK ? supported : 0;
  }

  static braid_status graph_compile(braid_device_t* handle,
                                    const braid_graph_desc* desc,
                                    braid_compiled_t** out) {
    DeviceSlot* slot = find_device(handle);
    return guarded(slot, [&] {
      need_device(handle);
      if (out == nullptr || desc == nullptr) {
        fail(BRAID_STATUS_INVALID_ARGUMENT, "graph_compile: NULL argument");
      }
      *out = nullptr;
      Graph graph;
      std::vector<Buffer*> used;
      {
        std::lock_guard<std::mutex> lock(slot->mutex);
        const std::string error = abi::validate_graph(
            *desc, [&](const braid_buffer_t* b) -> std::optional<abi::BufferFacts> {
              Buffer* found = slot->find_buffer(const_cast<braid_buffer_t*>(b));
              if (found == nullptr) return std::nullopt;
              return abi::BufferFacts{found->size(), found->writable()};
            });
        if (!error.empty()) fail(BRAID_STATUS_INVALID_ARGUMENT, error);
        graph = copy_graph(*slot, *desc, &used);
        // Held from here, so a buffer_free on another thread cannot pull memory from under
        // compile; given back below if compile fails.
        for (Buffer* b : used) ++slot->buffers[b].graph_refs;
      }
      std::unique_ptr<Compiled> compiled;
      try {
        compiled = slot->device->compile(graph);
        if (!compiled) fail(BRAID_STATUS_INTERNAL, "compile returned no graph");
      } catch (...) {
        std::lock_guard<std::mutex> lock(slot->mutex);
        for (Buffer* b : used) slot->drop_graph_ref(b);
        throw;
      }
      Compiled* raw = compiled.get();
      std::lock_guard<std::mutex> lock(slot->mutex);
      slot->compiled[raw] = DeviceSlot::CompiledEntry{std::move(compiled), std::move(used)};
      *out = reinterpret_cast<braid_compiled_t*>(raw);
    });
  }

  // Deep-copies a validated description (slot->mutex held), resolving buffer handles.
  static Graph copy_graph(DeviceSlot& slot,
                          const braid_graph_desc& desc,
                          std::vector<Buffer*>* used) {
    Graph graph;
    graph.tensors.resize(desc.n_tensors);
    for (uint32_t i = 0; i < desc.n_tensors; ++i) {
      const braid_tensor_desc& in = desc.tensors[i];
      Tensor& t = graph.tensors[i];
      t.dtype = in.dtype;
      t.rank = in.rank;
      for (uint32_t d = 0; d < in.rank; ++d) {
        t.shape[d] = in.shape[d];
        t.strides[d] = in.strides[d];
      }
      t.offset = in.offset;
      t.name = in.name ? in.name : "";
      if (in.buffer) {
        t.buffer = slot.find_buffer(in.buffer);
        if (std::find(used->begin(), used->end(), t.buffer) == used->end()) {
          used->push_back(t.buffer);
        }
      }
    }
    graph.nodes.resize(desc.n_nodes);
    for (uint32_t n = 0; n < desc.n_nodes; ++n) {
      const braid_node_desc& in = desc.nodes[n];
      Node& node = graph.nodes[n];
      node.op = in.op;
      for (uint32_t s = 0; s < BRAID_MAX_OP_INPUTS; ++s) node.inputs[s] = abi::node_input(in, s);
      node.output = in.output;
      node.params = in.params;
    }
    return graph;
  }

  static braid_status graph_run(braid_device_t* handle,
                                braid_compiled_t* compiled,
                                braid_stream_t* stream) {
    DeviceSlot* slot = find_device(handle);
    return guarded(slot, [&] {
      need_device(handle);
      slot->device->run(*need_compiled(slot, compiled), need_stream(slot, stream));
    });
  }

  static void graph_free(braid_device_t* handle, braid_compiled_t* compiled) {
    DeviceSlot* slot = find_device(handle);
    if (slot == nullptr) return;
    std::unique_ptr<Compiled> doomed;  // destroyed outside the lock
    {
      std::lock_guard<std::mutex> lock(slot->mutex);
      auto it = slot->compiled.find(reinterpret_cast<Compiled*>(compiled));
      if (it == slot->compiled.end()) return;
      doomed = std::move(it->second.compiled);
      for (Buffer* b : it->second.buffers) slot->drop_graph_ref(b);
      slot->compiled.erase(it);
    }
    try {
      doomed.reset();
    } catch (...) {
    }
  }

  static braid_status capture_begin(braid_device_t* handle,
                                    braid_compiled_t* compiled,
                                    braid_stream_t* stream) {
    DeviceSlot* slot = find_device(handle);
    return guarded(slot, [&] {
      need_device(handle);
      slot->device->capture_begin(*need_compiled(slot, compiled), need_stream(slot, stream));
    });
  }

  static braid_status capture_end(braid_device_t* handle,
                                  braid_compiled_t* compiled,
                                  braid_stream_t* stream) {
    DeviceSlot* slot = find_device(handle);
    return guarded(slot, [&] {
      need_device(handle);
      slot->device->capture_end(*need_compiled(slot, compiled), need_stream(slot, stream));
    });
  }
};

}  // namespace detail

/// The table for Backend (see the top of this file). Capture hooks are set only when
/// `Backend::kCanCapture` exists and is true.
template <typename Backend>
const braid_backend_v1* backend_table() {
  using T = detail::Table<Backend>;
  static const braid_backend_v1 table = [] {
    braid_backend_v1 t{};
    t.abi_version = BRAID_BACKEND_ABI_VERSION;
    t.struct_size = sizeof(braid_backend_v1);
    t.name = Backend::kName;
    t.version = Backend::kVersion;
    t.probe = T::probe;
    t.device_open = T::device_open;
    t.device_close = T::device_close;
    t.device_info = T::device_info;
    t.last_error = T::last_error;
    t.buffer_alloc = T::buffer_alloc;
    t.buffer_wrap_host = T::buffer_wrap_host;
    t.buffer_free = T::buffer_free;
    t.buffer_host_ptr = T::buffer_host_ptr;
    t.buffer_upload = T::buffer_upload;
    t.buffer_download = T::buffer_download;
    t.buffer_copy = T::buffer_copy;
    t.stream_create = T::stream_create;
    t.stream_destroy = T::stream_destroy;
    t.synchronize = T::synchronize;
    t.supports_op = T::supports_op;
    t.graph_compile = T::graph_compile;
    t.graph_run = T::graph_run;
    t.graph_free = T::graph_free;
    if constexpr (requires { Backend::kCanCapture; }) {
      if (Backend::kCanCapture) {
        t.capture_begin = T::capture_begin;
        t.capture_end = T::capture_end;
      }
    }
    return t;
  }();
  return &table;
}

}  // namespace braid::plugin

/// Defines the plugin's one exported symbol, serving exactly the ABI version it was built with.
#define BRAID_PLUGIN_ENTRY(BackendClass)                                       \
  extern "C" BRAID_BACKEND_EXPORT const braid_backend_v1* braid_backend_entry( \
      uint32_t host_abi_version) {                                             \
    return host_abi_version == BRAID_BACKEND_ABI_VERSION                       \
               ? ::braid::plugin::backend_table<BackendClass>()                \
               : nullptr;                                                      \
  }
