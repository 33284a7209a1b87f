// Pipeline: spec parsing, registry lookups, and the UsageError each bad input gives.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include <opencv2/core.hpp>

#include "tessera/cli_support.hpp"
#include "tessera/tessera.hpp"

namespace tessera {
namespace {

const PixelType kGray{CV_8U, 1};
const PixelType kBgr{CV_8U, 3};
const Size kSize{64, 48};

/// The message of the UsageError that `fn` throws (fails the test if none).
template <class F>
std::string usage_error(F&& fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a UsageError";
  return "";
}

TEST(Spec, ParsesLinearChain) {
  const Pipeline p = Pipeline::parse("  gaussian sigma=2 |sobel_mag|   threshold t=40 type=binary_inv ");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p.node(1).kernel->name(), "gaussian");
  EXPECT_EQ(p.node(2).kernel->name(), "sobel_mag");
  EXPECT_EQ(p.node(3).kernel->name(), "threshold");
  EXPECT_EQ(p.node(2).inputs, std::vector<NodeId>{1});
  EXPECT_EQ(p.output(), 3);
  EXPECT_EQ(p.str(), "gaussian sigma=2 | sobel_mag | threshold t=40 type=binary_inv");
  const PipelineShape shape = p.validate(kGray, kSize);
  EXPECT_EQ(shape.order, (std::vector<NodeId>{1, 2, 3}));
  EXPECT_EQ(shape.types[3], kGray);
  EXPECT_EQ(shape.sizes[3], kSize);
}

TEST(Spec, QuotedValuesKeepSpacesAndBars) {
  // No built-in kernel of this issue takes text; check the tokenizer through an error.
  const std::string msg = usage_error([] { Pipeline::parse("threshold t=\"4 | 0\""); });
  EXPECT_NE(msg.find("t=4 | 0 is not a number"), std::string::npos) << msg;
  EXPECT_NE(usage_error([] { Pipeline::parse("threshold t=\"40"); }).find("unclosed quote"), std::string::npos);
}

TEST(Spec, GrayChangesChannels) {
  const PipelineShape shape = Pipeline::parse("gray | gaussian sigma=1").validate(kBgr, kSize);
  EXPECT_EQ(shape.types[1], kGray);
  EXPECT_EQ(shape.types[2], kGray);
}

TEST(SpecErrors, EachNamesTheStageAndTheValue) {
  struct Case {
    const char* spec;
    const char* expect;
  };
  const Case cases[] = {
      {"", "empty pipeline spec"},
      {"gaussian sigma=2 | | threshold t=1", "stage 2 is empty"},
      {"gaussian sigma=2 |", "stage 2 is empty"},
      // Any white space std::isspace names, as the tokenizer splits on (found by fuzz_spec).
      {"\f\f | invert", "stage 1 is empty"},
      {"\v", "empty pipeline spec"},
      {"gausian sigma=2", "stage 1 'gausian': unknown kernel 'gausian' (did you mean 'gaussian'?)"},
      {"invert | frobnicate", "stage 2 'frobnicate': unknown kernel 'frobnicate'"},
      {"gaussian", "stage 1 'gaussian': missing parameter sigma="},
      {"gaussian sigma=-1", "stage 1 'gaussian': sigma=-1 is out of range: must be > 0"},
      {"gaussian sigma=0", "sigma=0 is out of range"},
      {"gaussian sigma=abc", "stage 1 'gaussian': sigma=abc is not a number"},
      {"gaussian sigma=2 ksize=4", "stage 1 'gaussian': ksize=4 must be odd"},
      {"gaussian sigma=2 ksize=2.5", "ksize=2.5 is not an integer"},
      {"gaussian sigam=2", "stage 1 'gaussian': unknown parameter 'sigam' (did you mean 'sigma'?)"},
      {"invert x=1", "stage 1 'invert': unknown parameter 'x'; invert takes no parameters"},
      {"threshold t=1 type=fancy", "type=fancy is not one of binary|binary_inv|trunc|tozero|tozero_inv"},
      {"threshold t=1 t=2", "stage 1 'threshold': parameter 't' given twice"},
      {"threshold 40", "stage 1 'threshold': '40' is not key=value"},
      {"box ksize=0", "ksize=0 is out of range: must be 1..1001"},
      {"absdiff", "stage 1 'absdiff': takes 2 inputs"},
  };
  for (const Case& c : cases) {
    const std::string msg = usage_error([&] { Pipeline::parse(c.spec); });
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "spec: " << c.spec << "\nmessage: " << msg;
  }
}

TEST(SpecErrors, TypeMismatchBetweenStages) {
  const Pipeline p = Pipeline::parse("gray | gray");
  const std::string msg = usage_error([&] { p.validate(kBgr, kSize); });
  EXPECT_NE(msg.find("stage 2 'gray': needs u8/u16/f32 input with 3 or 4 channels, got u8x1"), std::string::npos)
      << msg;
  const std::string msg2 = usage_error([] { Pipeline::parse("sobel_mag").validate({CV_16U, 1}, kSize); });
  EXPECT_NE(msg2.find("stage 1 'sobel_mag': needs u8 input"), std::string::npos) << msg2;
}

TEST(PipelineErrors, CycleUnknownNodeArityAndEmpty) {
  const Registry& reg = Registry::builtin();
  {
    Pipeline p;
    p.add(reg.make("invert"), {2});
    p.add(reg.make("invert"), {1});
    const std::string msg = usage_error([&] { p.validate(kGray, kSize); });
    EXPECT_NE(msg.find("cycle through node"), std::string::npos) << msg;
  }
  {
    Pipeline p;
    p.add(reg.make("invert"), {7});
    EXPECT_NE(usage_error([&] { p.validate(kGray, kSize); }).find("node 1 'invert': input node 7 does not exist"),
              std::string::npos);
  }
  {
    Pipeline p;
    p.add(reg.make("absdiff"), {0});
    EXPECT_NE(usage_error([&] { p.validate(kGray, kSize); }).find("has 1 inputs, expected 2"), std::string::npos);
  }
  {
    Pipeline p;
    EXPECT_NE(usage_error([&] { p.validate(kGray, kSize); }).find("no stages"), std::string::npos);
    p.add(reg.make("invert"));
    p.set_output(5);
    EXPECT_NE(usage_error([&] { p.validate(kGray, kSize); }).find("output node 5 does not exist"), std::string::npos);
  }
  {
    Pipeline p;
    EXPECT_NE(usage_error([&] { p.add("gaussian", {{"sigma", "-3"}}); }).find("node 1 'gaussian': sigma=-3"),
              std::string::npos);
  }
}

TEST(Registry, EntriesAreCompleteAndExamplesBuild) {
  const Registry& reg = Registry::builtin();
  const auto entries = reg.entries();
  ASSERT_GE(entries.size(), 6u);
  for (const KernelInfo* k : entries) {
    EXPECT_FALSE(k->description.empty()) << k->name;
    EXPECT_FALSE(k->types.all().empty()) << k->name;
    for (const ParamSpec& p : k->params) EXPECT_FALSE(p.help.empty()) << k->name << "." << p.name;
    std::vector<Step> steps;
    EXPECT_NO_THROW(steps = reg.steps(k->name, k->example_params())) << k->name;
    if (steps.empty()) continue;
    // A plain entry is its kernel; a composite's class is that of one of its nodes.
    if (steps.size() == 1) {
      EXPECT_EQ(steps[0].kernel->name(), k->name);
      EXPECT_EQ(steps[0].kernel->kernel_class(), k->kernel_class) << k->name;
    } else {
      EXPECT_TRUE(k->expand && k->oracle) << k->name << ": a composite needs expand and an OpenCV oracle";
      EXPECT_TRUE(std::any_of(steps.begin(), steps.end(),
                              [&](const Step& st) { return st.kernel->kernel_class() == k->kernel_class; }))
          << k->name;
    }
  }
}

TEST(Registry, DuplicateAndUnknownNames) {
  Registry r;
  const KernelInfo& gaussian = Registry::builtin().at("gaussian");
  r.add(gaussian);
  EXPECT_THROW(r.add(gaussian), UsageError);
  EXPECT_EQ(r.find("invert"), nullptr);
  EXPECT_THROW(r.at("invert"), UsageError);
}

TEST(Registry, ExampleParamsSplitLikeASpec) {
  KernelInfo k;
  k.name = "filter";
  k.example = "kernel=\"1 2 1\"  scale='0.25' empty=\"\" k=";
  const std::map<std::string, std::string> want{{"kernel", "1 2 1"}, {"scale", "0.25"}, {"empty", ""}, {"k", ""}};
  EXPECT_EQ(k.example_params(), want);
  k.example = "";
  EXPECT_TRUE(k.example_params().empty());
  k.example = "sigma=2 ksize";
  EXPECT_EQ(usage_error([&] { k.example_params(); }), "filter example 'sigma=2 ksize': 'ksize' is not key=value");
  k.example = "sigma=2 sigma=3";
  EXPECT_EQ(usage_error([&] { k.example_params(); }),
            "filter example 'sigma=2 sigma=3': parameter 'sigma' given twice");
  k.example = "kernel=\"1 2";
  EXPECT_NE(usage_error([&] { k.example_params(); }).find("unclosed quote \""), std::string::npos);
}

TEST(Registry, RangeStrPrintsIntegersExactly) {
  ParamSpec p;
  p.type = ParamType::Int;
  p.min = 0;
  p.max = 1048576;
  EXPECT_EQ(p.range_str(), "0..1048576");
  p.max = double(std::int64_t{1} << 30);
  EXPECT_EQ(p.range_str(), "0..1073741824");
  p.min = -1e12;
  p.max = 1e6;
  EXPECT_EQ(p.range_str(), "-1e+12..1e+06");
  p.type = ParamType::Float;
  p.min = 0;
  p.min_exclusive = true;
  p.max = 0.0625;
  EXPECT_EQ(p.range_str(), "> 0, <= 0.0625");
  p.max = 1e300;
  p.min = 0.1;
  EXPECT_EQ(p.range_str(), "> 0.1");
}

TEST(RunOptions, BackendAndThreads) {
  EXPECT_EQ(parse_backend("tbb"), Backend::Tbb);
  EXPECT_EQ(parse_backend("omp"), Backend::Omp);
  EXPECT_EQ(parse_backend("serial"), Backend::Serial);
  EXPECT_NE(usage_error([] { parse_backend("cuda"); }).find("backend 'cuda' is not one of tbb, omp, serial"),
            std::string::npos);
  EXPECT_THROW(effective_threads(-1), UsageError);
  EXPECT_GE(effective_threads(0), 1);
  EXPECT_EQ(effective_threads(3), 3);
}

}  // namespace
}  // namespace tessera
