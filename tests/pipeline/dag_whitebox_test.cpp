// DAG pipelines: branches joined, an intermediate shared by two consumers, and global stages
// materialised whole (whitebox: it reads the plan).
#include <gtest/gtest.h>

#include <span>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "exec/plan.hpp"
#include "tessera/tessera.hpp"
#include "test_util.hpp"

namespace tessera {
namespace {

using test::kBackends;
using test::options;

/// A global kernel: histogram equalisation needs the whole image.
KernelPtr equalize_global() {
  OpSpec s;
  s.name = "equalize_whole";
  s.kernel_class = KernelClass::Global;
  s.output_type = [](std::span<const PixelType> in) { return in[0]; };
  s.apply = [](std::span<const cv::Mat> in, cv::Mat& out, int) { cv::equalizeHist(in[0], out); };
  return make_op_kernel(std::move(s));
}

TEST(Dag, TwoBranchesJoinedEqualWholeImage) {
  // input -> gaussian -> sobel_mag --+
  //       -> invert ---------------- absdiff -> output
  Pipeline p;
  const NodeId g = p.add("gaussian", {{"sigma", "1.5"}}, {Pipeline::kInput});
  const NodeId s = p.add("sobel_mag", {}, {g});
  const NodeId inv = p.add("invert", {}, {Pipeline::kInput});
  p.add("absdiff", {}, {s, inv});
  const cv::Mat in = test::random_image(123, 77, CV_8UC1, 3);
  cv::Mat b, expect;
  cv::GaussianBlur(in, b, cv::Size(0, 0), 1.5);
  cv::absdiff(test::opencv_sobel_mag(b), cv::Scalar::all(255) - in, expect);
  for (Backend be : kBackends) EXPECT_TRUE(test::identical(run(p, in, options(be)), expect)) << to_string(be);
}

TEST(Dag, SharedIntermediateComputedOncePerTile) {
  // One node feeding two consumers with different halos: its region is the union.
  Pipeline p;
  const NodeId a = p.add("gaussian", {{"sigma", "1"}}, {Pipeline::kInput});
  const NodeId b = p.add("box", {{"ksize", "9"}}, {a});
  const NodeId c = p.add("sobel_mag", {}, {a});
  p.add("addw", {{"alpha", "0.25"}, {"beta", "0.75"}}, {b, c});
  const cv::Mat in = test::random_image(90, 64, CV_8UC3, 4);
  const cv::Mat expect = run_reference(p, in);
  for (Backend be : kBackends)
    for (Size t : {Size{1, 1}, Size{8, 3}, Size{200, 200}})
      EXPECT_TRUE(test::identical(run(p, in, options(be, t)), expect)) << to_string(be) << " " << t;
}

TEST(Dag, GlobalStageIsMaterialisedWhole) {
  Pipeline p;
  p.add("gaussian", {{"sigma", "2"}});
  p.add(equalize_global());
  p.add("sobel_mag");
  const cv::Mat in = test::random_image(150, 97, CV_8UC1, 8);
  const PipelineShape shape = p.validate(PixelType::of(in), {in.cols, in.rows});
  const detail::Plan plan = detail::make_plan(p, shape);
  ASSERT_EQ(plan.passes.size(), 3u);
  EXPECT_EQ(plan.passes[0].kind, detail::Pass::Kind::Tiled);
  EXPECT_EQ(plan.passes[1].kind, detail::Pass::Kind::Whole);
  EXPECT_EQ(plan.passes[2].kind, detail::Pass::Kind::Tiled);
  cv::Mat b, eq;
  cv::GaussianBlur(in, b, cv::Size(0, 0), 2);
  cv::equalizeHist(b, eq);
  const cv::Mat expect = test::opencv_sobel_mag(eq);
  for (Backend be : kBackends) {
    RunStats stats;
    EXPECT_TRUE(test::identical(run(p, in, options(be), &stats), expect)) << to_string(be);
    EXPECT_EQ(stats.passes, 3);
  }
}

TEST(Dag, GlobalStageAsOutput) {
  Pipeline p;
  p.add("box", {{"ksize", "3"}});
  p.add(equalize_global());
  const cv::Mat in = test::random_image(64, 40, CV_8UC1, 2);
  EXPECT_TRUE(test::identical(run(p, in, options(Backend::Tbb)), run_reference(p, in)));
}

}  // namespace
}  // namespace tessera
