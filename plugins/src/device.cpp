#include "braid/plugins/device.h"

namespace braid::plugins {
namespace {

braid_stream_t* stream_handle(const Stream* stream) { return stream ? stream->handle() : nullptr; }

}  // namespace

core::StatusCode status_code_from_abi(braid_status status) {
  switch (status) {
    case BRAID_STATUS_OK:
      return core::StatusCode::Ok;
    case BRAID_STATUS_INVALID_ARGUMENT:
      return core::StatusCode::InvalidArgument;
    case BRAID_STATUS_NOT_SUPPORTED:
      return core::StatusCode::NotSupported;
    case BRAID_STATUS_OUT_OF_MEMORY:
      return core::StatusCode::OutOfMemory;
    case BRAID_STATUS_DEVICE_ERROR:
      return core::StatusCode::BackendError;
    default:
      return core::StatusCode::Internal;
  }
}

core::Result<std::unique_ptr<Device>> Device::open(std::shared_ptr<const Plugin> plugin,
                                                   uint32_t index,
                                                   const DeviceOptions& options) {
  if (!plugin) return core::invalid_argument("[plugins] Device::open: no plugin");
  const std::string& name = plugin->name();
  if (!plugin->usable()) {
    return core::invalid_argument("[", name, "] is not usable here: ", plugin->probe().reason);
  }
  if (index >= plugin->probe().device_count) {
    return core::out_of_range("[", name, "] device ", index, " does not exist (",
                              plugin->probe().device_count, " devices)");
  }
  const braid_backend_v1& table = plugin->table();
  braid_device_options raw{sizeof(braid_device_options), options.threads};
  braid_device_t* handle = nullptr;
  const braid_status status = table.device_open(index, &raw, &handle);
  if (status != BRAID_STATUS_OK || handle == nullptr) {
    const char* text = table.last_error(nullptr);
    return core::Status(
        status == BRAID_STATUS_OK ? core::StatusCode::Internal : status_code_from_abi(status),
        core::str_cat("[", name, "] device_open(", index,
                      "): ", text && *text ? text : "no device returned"));
  }
  std::unique_ptr<Device> device(new Device(std::move(plugin), index, handle));
  braid_device_info info{};
  BRAID_TRY(device->check(table.device_info(handle, &info), "device_info"));
  info.name[sizeof info.name - 1] = '\0';
  info.features[sizeof info.features - 1] = '\0';
  device->info_ = DeviceInfo{static_cast<braid_device_kind>(info.kind), info.name, info.features,
                             info.memory_bytes, info.threads};
  return device;
}

Device::Device(std::shared_ptr<const Plugin> plugin, uint32_t index, braid_device_t* device)
    : plugin_(std::move(plugin)), table_(&plugin_->table()), index_(index), device_(device) {}

Device::~Device() { table_->device_close(device_); }

core::Status Device::check(braid_status status, const char* what) const {
  if (status == BRAID_STATUS_OK) return core::Status::ok();
  const char* text = table_->last_error(device_);
  return core::Status(status_code_from_abi(status),
                      core::str_cat("[", plugin_->name(), "] ", what, ": ",
                                    text && *text ? text : "failed without a message"));
}

core::Result<Buffer> Device::alloc(uint64_t bytes, BufferUsage usage) {
  braid_buffer_t* handle = nullptr;
  BRAID_TRY(check(table_->buffer_alloc(device_, bytes, static_cast<uint32_t>(usage), &handle),
                  "buffer_alloc"));
  return Buffer(table_, device_, handle, bytes, table_->buffer_host_ptr(device_, handle));
}

core::Result<Buffer> Device::wrap_host(const void* data, uint64_t bytes) {
  if (!plugin_->has(&braid_backend_v1::buffer_wrap_host)) {
    return core::not_supported("[", plugin_->name(), "] cannot wrap host memory");
  }
  braid_buffer_t* handle = nullptr;
  BRAID_TRY(check(table_->buffer_wrap_host(device_, data, bytes, &handle), "buffer_wrap_host"));
  return Buffer(table_, device_, handle, bytes, table_->buffer_host_ptr(device_, handle));
}

core::Status Device::upload(
    const Buffer& dst, uint64_t offset, const void* src, uint64_t bytes, const Stream* stream) {
  return check(
      table_->buffer_upload(device_, dst.handle(), offset, src, bytes, stream_handle(stream)),
      "buffer_upload");
}

core::Status Device::download(
    const Buffer& src, uint64_t offset, void* dst, uint64_t bytes, const Stream* stream) {
  return check(
      table_->buffer_download(device_, src.handle(), offset, dst, bytes, stream_handle(stream)),
      "buffer_download");
}

core::Status Device::copy(const Buffer& src,
                          uint64_t src_offset,
                          const Buffer& dst,
                          uint64_t dst_offset,
                          uint64_t bytes,
                          const Stream* stream) {
  return check(table_->buffer_copy(device_, src.handle(), src_offset, dst.handle(), dst_offset,
                                   bytes, stream_handle(stream)),
               "buffer_copy");
}

core::Result<Stream> Device::create_stream() {
  braid_stream_t* handle = nullptr;
  BRAID_TRY(check(table_->stream_create(device_, &handle), "stream_create"));
  return Stream(table_, device_, handle);
}

core::Status Device::synchronize(const Stream* stream) {
  return check(table_->synchronize(device_, stream_handle(stream)), "synchronize");
}

bool Device::supports_op(const braid_graph_desc& graph, uint32_t node_index, std::string* why) {
  if (table_->supports_op(device_, &graph, node_index)) return true;
  if (why) {
    const char* text = table_->last_error(device_);
    *why = text && *text ? text : "not supported";
  }
  return false;
}

core::Result<CompiledGraph> Device::compile(const braid_graph_desc& graph) {
  braid_compiled_t* handle = nullptr;
  BRAID_TRY(check(table_->graph_compile(device_, &graph, &handle), "graph_compile"));
  return CompiledGraph(table_, device_, handle);
}

core::Status Device::run(const CompiledGraph& compiled, const Stream* stream) {
  return check(table_->graph_run(device_, compiled.handle(), stream_handle(stream)), "graph_run");
}

bool Device::can_capture() const {
  return plugin_->has(&braid_backend_v1::capture_begin) &&
         plugin_->has(&braid_backend_v1::capture_end);
}

core::Status Device::capture_begin(const CompiledGraph& compiled, const Stream* stream) {
  if (!can_capture()) return core::not_supported("[", plugin_->name(), "] has no stream capture");
  return check(table_->capture_begin(device_, compiled.handle(), stream_handle(stream)),
               "capture_begin");
}

core::Status Device::capture_end(const CompiledGraph& compiled, const Stream* stream) {
  if (!can_capture()) return core::not_supported("[", plugin_->name(), "] has no stream capture");
  return check(table_->capture_end(device_, compiled.handle(), stream_handle(stream)),
               "capture_end");
}

}  // namespace braid::plugins
