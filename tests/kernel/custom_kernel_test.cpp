// The Kernel interface from the user's side: kernels written in C++ with the adapters, a kernel
// registered in a registry and used from a spec, and composite stages.
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

using test::kBackends;
using test::options;
using test::tiles;

TEST(CustomKernel, StencilFromCppRunsTiled) {
  // A user kernel: 5x5 median, radius 2, declared as a stencil. cv::medianBlur always
  // replicates the edge, so the kernel declares that border.
  OpSpec s;
  s.name = "median5";
  s.kernel_class = KernelClass::Stencil;
  s.halo = {2, 2};
  s.border = {BorderMode::Replicate};
  s.output_type = [](std::span<const PixelType> in) { return in[0]; };
  s.apply = [](std::span<const cv::Mat> in, cv::Mat& out, int) { cv::medianBlur(in[0], out, 5); };
  Pipeline p;
  p.add(make_op_kernel(std::move(s)));
  p.add("threshold", {{"t", "128"}});
  const cv::Mat in = test::random_image(131, 67, CV_8UC1, 11);
  cv::Mat med, expect;
  cv::medianBlur(in, med, 5);
  cv::threshold(med, expect, 128, 255, cv::THRESH_BINARY);
  for (Backend be : kBackends) EXPECT_TRUE(test::identical(run(p, in, options(be, {10, 7})), expect)) << to_string(be);
}

/// A sink without an in-memory image (as a TIFF sink): the runtime cannot compute tiles into
/// it, so each tile is a Mat of the tile evaluation's own, copied in write().
class CopyingSink final : public Sink {
 public:
  void open(Size size, PixelType type) override {
    image = cv::Mat(static_cast<int>(size.h), static_cast<int>(size.w), type.cv_type());
  }
  void write(const Rect& r, const cv::Mat& tile) override { tile.copyTo(image(to_cv_rect(r))); }
  cv::Mat image;
};

TEST(CustomKernel, OutputThatIsAViewOfItsInputOutlivesTheTile) {
  // A pointwise kernel may return its input as its output (a view). Here that input is a
  // tile-at-a-time intermediate in the run's scratch memory (box 7x7 has no row stages), which
  // other tiles reuse once this one is evaluated, so the runtime must hand the writer a copy.
  OpSpec s;
  s.name = "identity";
  s.apply = [](std::span<const cv::Mat> in, cv::Mat& out, int) { out = in[0]; };
  Pipeline p;
  p.add("box", {{"ksize", "7"}});
  p.add(make_op_kernel(std::move(s)));
  const cv::Mat in = test::random_image(301, 203, CV_8UC1, 12);
  cv::Mat expect;
  cv::blur(in, expect, cv::Size(7, 7), cv::Point(-1, -1), cv::BORDER_REFLECT_101);
  for (Backend be : kBackends) {
    CopyingSink sink;
    run(p, MatSource(in), sink, options(be, {16, 16}));
    EXPECT_TRUE(test::identical(sink.image, expect)) << to_string(be);
  }
}

TEST(CustomKernel, IncompleteSpecIsRejected) {
  OpSpec s;
  s.name = "broken";
  EXPECT_THROW(make_op_kernel(s), UsageError);
  s.output_type = [](std::span<const PixelType> in) { return in[0]; };
  s.apply = [](std::span<const cv::Mat> in, cv::Mat& out, int) { out = in[0].clone(); };
  s.halo = {1, 1};
  EXPECT_THROW(make_op_kernel(s), UsageError);  // pointwise with a halo
  s.kernel_class = KernelClass::Geometric;
  EXPECT_THROW(make_op_kernel(s), UsageError);
}

/// A user kernel: posterize to `levels` grey levels, registered into a copy of the built-in
/// registry with its class, and used from a spec string.
Registry with_posterize() {
  Registry r = Registry::builtin();
  KernelInfo info;
  info.name = "posterize";
  info.description = "quantise to N levels";
  info.kernel_class = KernelClass::Pointwise;
  info.params = {ParamSpec{"levels", ParamType::Int, "number of levels", "4", 2, 256, false, {}}};
  info.types = {{CV_8U}, {1, 3}};
  info.make = [](const Params& p) {
    const int step = 256 / static_cast<int>(p.integer("levels"));
    return make_pointwise("posterize", {{CV_8U}, {1, 3}}, [step](const cv::Mat& in, cv::Mat& out) {
      cv::Mat q;
      in.convertTo(q, CV_16U);
      q = q / step * step;  // integer division per element
      q.convertTo(out, CV_8U);
    });
  };
  r.add(std::move(info));
  return r;
}

TEST(CustomKernel, RegisteredLambdaRunsTiledFromASpec) {
  const Registry r = with_posterize();
  const Pipeline p = Pipeline::parse("gaussian sigma=1 | posterize levels=8 | sobel_mag", r);
  const cv::Mat in = test::random_image(140, 90, CV_8UC3, 9);
  const cv::Mat want = run_reference(p, in);
  for (Backend b : kBackends)
    EXPECT_TRUE(test::identical(run(p, in, tiles({17, 9}, b)), want)) << to_string(b);
  EXPECT_THROW(Pipeline::parse("posterize levels=1", r), UsageError);
  EXPECT_THROW(Pipeline::parse("posterize"), UsageError) << "the built-in registry is unchanged";
}

TEST(Composite, ExpandsIntoNodesAndPrintsAsItsStage) {
  const Pipeline p = Pipeline::parse("gaussian sigma=1 | unsharp sigma=2 amount=1 | invert");
  EXPECT_GT(p.size(), 3u) << "unsharp expands into more than one node";
  EXPECT_EQ(p.str(), "gaussian sigma=1 | unsharp sigma=2 amount=1 | invert");
  EXPECT_THROW(Registry::builtin().make("unsharp", {{"sigma", "2"}, {"amount", "1"}}), UsageError);
  try {
    Pipeline::parse("unsharp sigma=2 amount=1 | canny low=1 high=2").validate({CV_16U, 1}, {20, 20});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("stage 2 'canny'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tessera
