// `braid backends [--json] [--backend NAME]`: every backend plugin found, what it offers, and for
// each file that cannot be used, why.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "args.h"
#include "backend_option.h"
#include "braid/plugins/registry.h"
#include "commands.h"

namespace braid::app {
namespace {

using nlohmann::json;

constexpr const char* kUsage =
    "usage: braid backends [--json] [--backend NAME] [--threads N]\n"
    "\n"
    "Lists the backend plugins (braid-backend-*.so) found in $BRAID_PLUGIN_PATH, the install's\n"
    "lib/braid/ and the folder of the braid binary: path, version, ABI, score, features and\n"
    "devices; and for every plugin that cannot be used, the reason.\n"
    "\n"
    "  --json          print one JSON object\n"
    "  --backend NAME  also open that device (auto: the one commands would pick) and print\n"
    "                  its one-line description, or why it cannot be used\n"
    "  --threads N     CPU worker threads for --backend\n";

// One device of a plugin, opened to ask what it is.
json device_json(const std::shared_ptr<const plugins::Plugin>& plugin, uint32_t index) {
  auto device = plugins::Device::open(plugin, index);
  if (!device.ok()) return {{"index", index}, {"error", device.status().message()}};
  const plugins::DeviceInfo& info = (*device)->info();
  return {{"index", index},
          {"kind", info.kind == BRAID_DEVICE_GPU ? "gpu" : "cpu"},
          {"name", info.name},
          {"features", info.features},
          {"memory_bytes", info.memory_bytes},
          {"threads", info.threads},
          {"description", plugins::describe_device(**device)}};
}

json registry_json(const plugins::Registry& registry) {
  json out = {{"host_abi_version", BRAID_BACKEND_ABI_VERSION},
              {"search_path", json::array()},
              {"plugins", json::array()},
              {"failed", json::array()}};
  for (const auto& dir : registry.search_dirs()) out["search_path"].push_back(dir.string());
  for (const auto& plugin : registry.plugins()) {
    const braid_probe_result& probe = plugin->probe();
    json entry = {{"name", plugin->name()},
                  {"path", plugin->path().string()},
                  {"version", plugin->version()},
                  {"abi_version", plugin->abi_version()},
                  {"struct_size", plugin->struct_size()},
                  {"score", probe.score},
                  {"features", probe.features},
                  {"stream_capture", plugin->has(&braid_backend_v1::capture_begin)},
                  {"devices", json::array()}};
    for (uint32_t i = 0; i < probe.device_count; ++i) {
      entry["devices"].push_back(device_json(plugin, i));
    }
    out["plugins"].push_back(std::move(entry));
  }
  for (const auto& failure : registry.failures()) {
    out["failed"].push_back(
        {{"name", failure.name}, {"path", failure.path.string()}, {"reason", failure.reason}});
  }
  return out;
}

void print_text(const json& facts) {
  std::printf("search path:");
  for (const auto& dir : facts["search_path"]) std::printf(" %s", dir.get<std::string>().c_str());
  std::printf("\n\n");
  if (facts["plugins"].empty()) std::printf("no usable backend plugins\n");
  for (const auto& p : facts["plugins"]) {
    std::printf("%s  (score %d)\n", p["name"].get<std::string>().c_str(), p["score"].get<int>());
    std::printf("  path      %s\n", p["path"].get<std::string>().c_str());
    std::printf("  version   %s, ABI %u (table %u bytes)%s\n",
                p["version"].get<std::string>().c_str(), p["abi_version"].get<unsigned>(),
                p["struct_size"].get<unsigned>(), p["stream_capture"] ? ", stream capture" : "");
    std::printf("  features  %s\n", p["features"].get<std::string>().c_str());
    for (const auto& d : p["devices"]) {
      if (d.contains("error")) {
        std::printf("  device %u  cannot open: %s\n", d["index"].get<unsigned>(),
                    d["error"].get<std::string>().c_str());
      } else {
        std::printf("  device %u  %s\n", d["index"].get<unsigned>(),
                    d["description"].get<std::string>().c_str());
      }
    }
    std::printf("\n");
  }
  if (!facts["failed"].empty()) std::printf("not usable:\n");
  for (const auto& f : facts["failed"]) {
    std::printf("  %s  %s\n    %s\n", f["name"].get<std::string>().c_str(),
                f["path"].get<std::string>().c_str(), f["reason"].get<std::string>().c_str());
  }
}

}  // namespace

int run_backends(const std::vector<std::string>& args) {
  ArgSpec spec{.flags = {"--json", "--help"}, .options = {}, .aliases = {{"-h", "--help"}}};
  add_backend_options(spec);
  auto parsed = ParsedArgs::parse(args, spec);
  if (!parsed.ok()) {
    std::fprintf(stderr, "braid backends: %s\n\n%s", parsed.status().message().c_str(), kUsage);
    return 2;
  }
  if (parsed->has("--help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!parsed->positionals().empty()) {
    std::fprintf(stderr, "braid backends: unexpected argument '%s'\n\n%s",
                 parsed->positionals()[0].c_str(), kUsage);
    return 2;
  }
  auto choice = parse_backend_options(*parsed);
  if (!choice.ok()) {
    std::fprintf(stderr, "braid backends: %s\n", choice.status().message().c_str());
    return 2;
  }

  const plugins::Registry registry = plugins::Registry::discover();
  json facts = registry_json(registry);
  int exit_code = 0;
  if (parsed->value("--backend")) {
    // The same path every command that runs a model takes (quiet: the line is printed below).
    auto selected = open_backend(*parsed, /*quiet=*/true);
    if (selected.ok()) {
      facts["selected"] = {{"backend", choice->backend}, {"description", selected->description}};
    } else {
      facts["selected"] = {{"backend", choice->backend}, {"error", selected.status().message()}};
      exit_code = 1;
    }
  }
  if (parsed->has("--json")) {
    std::puts(facts.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    print_text(facts);
  }
  if (facts.contains("selected")) {
    // The selection line goes to stderr, as every command that opens a backend prints it.
    const json& s = facts["selected"];
    std::fprintf(stderr, "%s\n",
                 s.contains("error") ? ("braid backends: " + s["error"].get<std::string>()).c_str()
                                     : s["description"].get<std::string>().c_str());
  }
  return exit_code;
}

}  // namespace braid::app
