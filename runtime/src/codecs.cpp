#include "codecs.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include "tessera/error.hpp"

namespace tessera::detail {

namespace {

constexpr char kModule[] = "libtessera_codecs.so";

std::atomic<const CodecApi*> g_api{nullptr};

/// Where the module may be, in order: $TESSERA_CODECS, beside the running program (and in
/// ../lib from it), where this build put it, then the dynamic linker's own search.
std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("TESSERA_CODECS"); env && *env) out.emplace_back(env);
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back((exe.parent_path() / kModule).string());
    out.push_back((exe.parent_path().parent_path() / "lib" / kModule).string());
  }
#ifdef TESSERA_CODECS_BUILD_PATH
  out.emplace_back(TESSERA_CODECS_BUILD_PATH);
#endif
  out.emplace_back(kModule);
  return out;
}

const CodecApi* load() {
  std::string tried;
  for (const std::string& path : candidates()) {
    if (path.find('/') != std::string::npos && access(path.c_str(), F_OK) != 0) continue;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      tried += (tried.empty() ? "" : "; ") + std::string(dlerror());
      continue;
    }
    using Entry = const CodecApi* (*)();
    const auto entry = reinterpret_cast<Entry>(dlsym(handle, TESSERA_CODECS_ENTRY));
    const CodecApi* api = entry ? entry() : nullptr;
    if (api && api->version == kCodecApiVersion) return api;  // the handle stays open
    tried += (tried.empty() ? "" : "; ") + path + ": not a tessera codec module of this version";
    dlclose(handle);
  }
  throw IoError(std::string("cannot load OpenCV's image codecs: ") + kModule +
                " was not found beside the program, in TESSERA_CODECS or on the library path" +
                (tried.empty() ? "" : " (" + tried + ")"));
}

}  // namespace

const CodecApi& codecs() {
  if (const CodecApi* api = g_api.load(std::memory_order_acquire)) return *api;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  if (!g_api.load()) g_api.store(load(), std::memory_order_release);
  return *g_api.load();
}

bool codecs_loaded() { return g_api.load() != nullptr; }

}  // namespace tessera::detail
