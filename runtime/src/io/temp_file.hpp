// The temporary file an output is written to before it is renamed into place, and the
// table of those being written that remove_partial_outputs() (a signal handler) unlinks.
#pragma once

#include <filesystem>
#include <system_error>

namespace tessera::detail {

/// A name beside `dest` (".NAME.tessera-PID-N.EXT"), listed for remove_partial_outputs()
/// from construction (before the caller creates the file) until commit() or destruction.
/// Destroying it without a successful commit() removes the file. Not copyable.
class TempFile {
 public:
  explicit TempFile(const std::filesystem::path& dest);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// Renames the file to the destination; returns the error if that fails (the file is
  /// then removed on destruction).
  std::error_code commit();

 private:
  void unlist();

  std::filesystem::path dest_, path_;
  int slot_ = -1;  // index in the signal handler's table, -1 when not listed
  bool committed_ = false;
};

}  // namespace tessera::detail
