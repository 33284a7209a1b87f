/// One implementation of the compared pipelines ("peer"): tessera, OpenCV, libvips, Halide.
#pragma once

#include <memory>
#include <string>

#include <opencv2/core/mat.hpp>

#include "chains.hpp"
#include "tessera/geometry.hpp"

namespace tessera::compare {

class Peer {
 public:
  virtual ~Peer() = default;
  /// Short name for tables: "tessera", "opencv", "libvips", "halide".
  virtual std::string name() const = 0;
  /// Sets up `chain` for `input` on `threads` threads (compiles, picks a tile size, ...).
  /// Not timed. Called once per chain, before any run().
  virtual void prepare(Chain chain, const cv::Mat& input, int threads) = 0;
  /// One line saying what this peer runs for the prepared chain (after prepare()).
  virtual std::string describe() const = 0;
  /// Runs the prepared chain on `input`; the timed call. The result stays valid until the
  /// next run() or prepare().
  virtual cv::Mat run(const cv::Mat& input) = 0;
};

/// tessera::run(pipeline, mat, options); `tile` {0, 0} = choose with tessera::choose_tile.
std::unique_ptr<Peer> make_tessera_peer(Size tile);
/// OpenCV op by op on the whole image, intermediates and output reused between calls.
std::unique_ptr<Peer> make_opencv_peer();
#ifdef TESSERA_COMPARE_HAVE_VIPS
/// libvips C API on a memory image, written to a new memory buffer each call.
std::unique_ptr<Peer> make_vips_peer(const char* argv0);
#endif
#ifdef TESSERA_COMPARE_HAVE_HALIDE
/// Halide JIT: the chain fused, tiled, vectorised and parallel.
std::unique_ptr<Peer> make_halide_peer();
#endif

}  // namespace tessera::compare
