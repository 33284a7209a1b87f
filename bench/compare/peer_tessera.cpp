// tessera as an application calls it: parse the spec once, then tessera::run(pipeline, mat, out, options)
// with the output kept between calls (as the OpenCV and Halide peers keep theirs).
#include <opencv2/core.hpp>

#include "peer.hpp"
#include "tessera/tessera.hpp"

namespace tessera::compare {
namespace {

class TesseraPeer final : public Peer {
 public:
  explicit TesseraPeer(Size tile) : requested_tile_(tile) {}

  std::string name() const override { return "tessera"; }

  void prepare(Chain chain, const cv::Mat& input, int threads) override {
    pipeline_ = Pipeline::parse(chain_spec(chain));
    options_ = RunOptions{};
    options_.threads = threads;
    how_ = "tile " + std::to_string(requested_tile_.w) + "x" + std::to_string(requested_tile_.h);
    options_.tile = requested_tile_;
    if (requested_tile_.w == 0) {
      const TileChoice choice = choose_tile(pipeline_, input, options_);
      options_.tile = choice.tile;
      how_ = cv::format("tile %lldx%lld (choose_tile, calibrated in %.2f s)", static_cast<long long>(choice.tile.w),
                        static_cast<long long>(choice.tile.h), choice.calibration_seconds);
    }
  }

  std::string describe() const override {
    return "tessera::run(Pipeline::parse(spec), mat, out, {tbb, " + how_ + "}), the output buffer reused between calls";
  }

  cv::Mat run(const cv::Mat& input) override {
    tessera::run(pipeline_, input, out_, options_);
    return out_;
  }

 private:
  Size requested_tile_;
  Pipeline pipeline_;
  RunOptions options_;
  cv::Mat out_;
  std::string how_;
};

}  // namespace

std::unique_ptr<Peer> make_tessera_peer(Size tile) { return std::make_unique<TesseraPeer>(tile); }

}  // namespace tessera::compare
