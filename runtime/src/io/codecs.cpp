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

/// The folder of the file that holds this code: libtessera.so (or the program, when linked
/// statically). An installed library finds its module relative to itself, whatever program
/// loaded it.
std::filesystem::path own_folder() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(&own_folder), &info) == 0 || !info.dli_fname) return {};
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::canonical(info.dli_fname, ec);
  return ec ? std::filesystem::path{} : self.parent_path();
}

/// Where the module may be, in order: $TESSERA_CODECS; tessera/ beside the library (the
/// installed layout, P/lib/tessera/, and the build tree's, build/lib/tessera/) and the
/// library's own folder; beside the running program and in ../lib/tessera from it; then the
/// dynamic linker's own search.
std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("TESSERA_CODECS"); env && *env) out.emplace_back(env);
  if (const std::filesystem::path lib = own_folder(); !lib.empty()) {
    out.push_back((lib / "tessera" / kModule).string());
    out.push_back((lib / kModule).string());
  }
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back((exe.parent_path() / kModule).string());
    out.push_back((exe.parent_path().parent_path() / "lib" / "tessera" / kModule).string());
  }
  out.emplace_back(kModule);
  return out;
}

const CodecApi* load() {
  std::string tried;
  for (const std::string& path : candidates()) {
    if (path.find('/') != std::string::npos && access(path.c_str(), F_OK) != 0) {
      tried += (tried.empty() ? "" : "; ") + path + ": not found";
      continue;
    }
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
  throw IoError(std::string("cannot load OpenCV's image codecs: no usable ") + kModule +
                " (set TESSERA_CODECS to its path); looked at: " + tried);
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
