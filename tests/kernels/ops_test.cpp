// Typed ops (tessera/ops.hpp): one per registry entry, converting to the same checked
// parameters, pipelines and errors as the spec strings they stand for.
#include "tessera/ops.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <opencv2/core.hpp>

#include "tessera/error.hpp"
#include "tessera/pipeline.hpp"
#include "tessera/registry.hpp"
#include "tessera/run.hpp"

namespace tessera {
namespace {

// ---- compile-time checks: required fields, aggregates, conversions ----

template <class T>
concept brace_constructible = requires { T{}; };
template <class T>
concept constructible_from_ksize_only = requires { T{.ksize = 5}; };

static_assert(!brace_constructible<ops::gaussian>, "sigma is required");
static_assert(!constructible_from_ksize_only<ops::gaussian>, "sigma is required even with ksize given");
static_assert(std::is_same_v<decltype(ops::gaussian{.sigma = 2}), ops::gaussian>);
static_assert(std::is_same_v<decltype(ops::gaussian{.sigma = 2, .ksize = 5}), ops::gaussian>);
static_assert(!brace_constructible<ops::threshold> && !brace_constructible<ops::sobel> &&
              !brace_constructible<ops::filter> && !brace_constructible<ops::canny>);
static_assert(brace_constructible<ops::box> && brace_constructible<ops::pad> && brace_constructible<ops::absdiff>);
static_assert(!std::is_default_constructible_v<ops::Required<double>>);
static_assert(std::is_convertible_v<double, ops::Required<double>> && std::is_convertible_v<int, ops::Required<double>>);
static_assert(std::is_convertible_v<const char*, ops::Required<std::string>>);
static_assert(!std::is_convertible_v<double, ops::Required<int>>, "no silent truncation, as for a plain int field");

template <class... T>
constexpr bool all_plain_ops(std::tuple<T...>*) {
  return ((std::is_aggregate_v<T> && std::is_convertible_v<const T&, StageCall> &&
           std::is_same_v<decltype(T::kernel_name), const std::string_view>) && ...);
}
static_assert(all_plain_ops(static_cast<ops::all*>(nullptr)));

/// Calls f(std::type_identity<Op>{}) for every op in ops::all.
template <class F>
void for_each_op(F&& f) {
  [&]<class... T>(std::tuple<T...>*) { (f(std::type_identity<T>{}), ...); }(static_cast<ops::all*>(nullptr));
}

// The ops set as each registry entry's example sets them, and with only the required
// fields. Ops missing here must be constructible from {} and have an empty example.
struct Sample {
  StageCall example;
  StageCall required_only;
};

std::map<std::string, Sample> samples() {
  return {
      {"bilateral",
       {ops::bilateral{.d = 5, .sigma_color = 50, .sigma_space = 3}, ops::bilateral{.sigma_color = 50, .sigma_space = 3}}},
      {"canny", {ops::canny{.low = 50, .high = 150}, ops::canny{.low = 50, .high = 150}}},
      {"clamp", {ops::clamp{.min = 20, .max = 200}, ops::clamp{}}},
      {"convert", {ops::convert{.to = ops::convert::To::f32, .scale = 0.5}, ops::convert{}}},
      {"crop", {ops::crop{.x = 0, .y = 0, .w = 1, .h = 1}, ops::crop{}}},
      {"filter",
       {ops::filter{.kernel = "1,2,1;2,4,2;1,2,1", .scale = 0.0625}, ops::filter{.kernel = "1,2,1;2,4,2;1,2,1"}}},
      {"gamma", {ops::gamma{.g = 0.8}, ops::gamma{.g = 0.8}}},
      {"gaussian", {ops::gaussian{.sigma = 2}, ops::gaussian{.sigma = 2}}},
      {"laplacian", {ops::laplacian{.ksize = 5}, ops::laplacian{}}},
      {"pad",
       {ops::pad{.top = 3, .bottom = 70, .left = 45, .right = 2, .mode = ops::pad::Mode::reflect}, ops::pad{}}},
      {"resize", {ops::resize{.scale = 0.7}, ops::resize{}}},
      {"scharr", {ops::scharr{.dx = 0, .dy = 1}, ops::scharr{.dx = 0, .dy = 1}}},
      {"sobel", {ops::sobel{.dx = 1, .dy = 0}, ops::sobel{.dx = 1, .dy = 0}}},
      {"threshold", {ops::threshold{.t = 100}, ops::threshold{.t = 100}}},
      {"unsharp", {ops::unsharp{.sigma = 2, .amount = 0.7}, ops::unsharp{.sigma = 2}}},
  };
}

TEST(Ops, MatchRegistryEntries) {
  std::set<std::string> op_names, registry_names;
  for_each_op([&]<class Op>(std::type_identity<Op>) {
    EXPECT_TRUE(op_names.emplace(Op::kernel_name).second) << "two ops for " << Op::kernel_name;
  });
  for (const KernelInfo* info : Registry::builtin().entries()) registry_names.insert(info->name);
  EXPECT_EQ(op_names, registry_names) << "add a struct to tessera/ops.hpp (and to ops::all) for each registry entry";
}

TEST(Ops, ConvertToCheckedParams) {
  const Registry& reg = Registry::builtin();
  const auto table = samples();
  std::set<std::string> used;
  for_each_op([&]<class Op>(std::type_identity<Op>) {
    const std::string name(Op::kernel_name);
    SCOPED_TRACE(name);
    const KernelInfo* info = reg.find(name);
    ASSERT_NE(info, nullptr);

    StageCall example, required_only;
    if (const auto it = table.find(name); it != table.end()) {
      example = it->second.example;
      required_only = it->second.required_only;
      used.insert(name);
    } else if constexpr (brace_constructible<Op>) {
      EXPECT_EQ(info->example, "") << "add " << name << " to samples() with its example's values";
      example = required_only = Op{};
    } else {
      ADD_FAILURE() << name << " has required fields: add it to samples()";
      return;
    }
    EXPECT_EQ(example.kernel, name);
    EXPECT_EQ(required_only.kernel, name);

    // Every registry parameter is written, under its own name.
    std::set<std::string> spec_names, call_names;
    for (const ParamSpec& p : info->params) spec_names.insert(p.name);
    for (const auto& [k, v] : example.params) call_names.insert(k);
    EXPECT_EQ(call_names, spec_names);

    // As the example string: the values it sets, registry defaults for the rest.
    const auto example_raw = info->example_params();
    EXPECT_EQ(reg.parse_params(*info, example.params).values(), reg.parse_params(*info, example_raw).values());

    // Only the required fields: C++ defaults equal the registry defaults.
    std::map<std::string, std::string> required_raw;
    for (const ParamSpec& p : info->params)
      if (!p.default_value) {
        ASSERT_TRUE(example_raw.count(p.name)) << "the registry example lacks required " << p.name;
        required_raw[p.name] = example_raw.at(p.name);
      }
    EXPECT_EQ(reg.parse_params(*info, required_only.params).values(), reg.parse_params(*info, required_raw).values());
  });
  for (const auto& [name, sample] : table) EXPECT_TRUE(used.count(name)) << "samples() names no op: " << name;
}

/// The enumerators' names, in order, as a Choice param's registry choices.
std::vector<std::string> names_of(std::string_view list) {
  std::vector<std::string> out;
  for (std::size_t i = 0;; ++i) {
    const std::string_view item = ops::detail::list_item(list, i);
    if (item.empty()) return out;
    out.emplace_back(item);
  }
}

TEST(Ops, ChoiceEnumsMatchRegistry) {
  // choice_names is found by argument-dependent lookup, as ops.hpp's detail::text finds it.
  const std::map<std::pair<std::string, std::string>, std::vector<std::string>> enums = {
      {{"blackhat", "shape"}, names_of(choice_names(ops::blackhat::Shape{}))},
      {{"canny", "norm"}, names_of(choice_names(ops::canny::Norm{}))},
      {{"close", "shape"}, names_of(choice_names(ops::close::Shape{}))},
      {{"convert", "to"}, names_of(choice_names(ops::convert::To{}))},
      {{"dilate", "shape"}, names_of(choice_names(ops::dilate::Shape{}))},
      {{"erode", "shape"}, names_of(choice_names(ops::erode::Shape{}))},
      {{"flip", "axis"}, names_of(choice_names(ops::flip::Axis{}))},
      {{"morph_gradient", "shape"}, names_of(choice_names(ops::morph_gradient::Shape{}))},
      {{"open", "shape"}, names_of(choice_names(ops::open::Shape{}))},
      {{"pad", "mode"}, names_of(choice_names(ops::pad::Mode{}))},
      {{"resize", "interp"}, names_of(choice_names(ops::resize::Interp{}))},
      {{"threshold", "type"}, names_of(choice_names(ops::threshold::Type{}))},
      {{"tophat", "shape"}, names_of(choice_names(ops::tophat::Shape{}))},
  };
  std::size_t choices = 0;
  for (const KernelInfo* info : Registry::builtin().entries())
    for (const ParamSpec& p : info->params) {
      if (p.type != ParamType::Choice) continue;
      ++choices;
      const auto it = enums.find({info->name, p.name});
      ASSERT_NE(it, enums.end()) << "list " << info->name << " " << p.name << " here";
      EXPECT_EQ(it->second, p.choices) << info->name << " " << p.name;
    }
  EXPECT_EQ(choices, enums.size());

  // Each enumerator is written as its name.
  EXPECT_EQ(StageCall(ops::threshold{.t = 1, .type = ops::threshold::Type::tozero_inv}).params.at("type"), "tozero_inv");
  EXPECT_EQ(StageCall(ops::pad{.mode = ops::pad::Mode::reflect101}).params.at("mode"), "reflect101");
  EXPECT_EQ(StageCall(ops::resize{.interp = ops::resize::Interp::nearest}).params.at("interp"), "nearest");
}

TEST(Ops, DoublesRoundTrip) {
  const Registry& reg = Registry::builtin();
  const KernelInfo& info = reg.at("threshold");
  for (const double t : {0.1 + 0.2, 1.0 / 3, -2.0 / 7, 1e-7, 123456789.123456789, 0.0625, 1e9, -1e-300}) {
    const StageCall call = ops::threshold{.t = t, .max = t / 3};
    const Params p = reg.parse_params(info, call.params);
    EXPECT_EQ(p.number("t"), t) << call.params.at("t");
    EXPECT_EQ(p.number("max"), t / 3) << call.params.at("max");
  }
  EXPECT_EQ(StageCall(ops::gaussian{.sigma = 2}).params.at("sigma"), "2");
  EXPECT_EQ(StageCall(ops::gaussian{.sigma = 0.5}).params.at("sigma"), "0.5");
}

/// Bit-identical: same size, type and every value.
::testing::AssertionResult identical(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return ::testing::AssertionFailure() << "shape or type differs";
  if (a.empty()) return ::testing::AssertionSuccess();
  cv::Mat diff;
  cv::compare(a.reshape(1), b.reshape(1), diff, cv::CMP_NE);
  const int n = cv::countNonZero(diff);
  if (n == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << n << " values differ";
}

cv::Mat noise(int w, int h, int type, unsigned seed) {
  cv::Mat m(h, w, type);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  return m;
}

TEST(Ops, PipelineMatchesSpec) {
  RunOptions options;
  options.tile = {64, 48};
  const cv::Mat gray = noise(300, 200, CV_8UC1, 7);
  const cv::Mat bgr = noise(300, 200, CV_8UC3, 8);

  Pipeline edges;
  edges.add(ops::gaussian{.sigma = 1.5});
  edges.add(ops::sobel_mag{});
  edges.add(ops::threshold{.t = 40, .type = ops::threshold::Type::binary_inv});
  const Pipeline edges_spec = Pipeline::parse("gaussian sigma=1.5 | sobel_mag | threshold t=40 type=binary_inv");
  const cv::Mat edges_out = run(edges, gray, options);
  EXPECT_TRUE(identical(edges_out, run(edges_spec, gray, options)));
  EXPECT_GT(cv::countNonZero(edges_out), 0);

  Pipeline choices;
  choices.add(ops::open{.ksize = 5, .shape = ops::open::Shape::ellipse});
  choices.add(ops::pad{.top = 3, .left = 7, .mode = ops::pad::Mode::reflect101});
  choices.add(ops::resize{.scale = 0.7, .interp = ops::resize::Interp::cubic});
  choices.add(ops::convert{.to = ops::convert::To::f32, .scale = 1.0 / 255});
  const Pipeline choices_spec = Pipeline::parse(
      "open ksize=5 shape=ellipse | pad top=3 left=7 mode=reflect101 | resize scale=0.7 interp=cubic | "
      "convert to=f32 scale=0.00392156862745098");
  for (const cv::Mat& in : {gray, bgr}) EXPECT_TRUE(identical(run(choices, in, options), run(choices_spec, in, options)));
}

TEST(Ops, TwoInputOpsTakeInputs) {
  const cv::Mat in = noise(300, 200, CV_8UC1, 9);
  Pipeline typed, named;
  const NodeId blur = typed.add(ops::box{.ksize = 5});
  typed.add(ops::absdiff{}, {Pipeline::kInput, blur});
  typed.add(ops::addw{.alpha = 0.25, .beta = 0.75, .gamma = 3}, {blur, blur + 1});
  const NodeId blur2 = named.add("box", {{"ksize", "5"}});
  named.add("absdiff", {}, {Pipeline::kInput, blur2});
  named.add("addw", {{"alpha", "0.25"}, {"beta", "0.75"}, {"gamma", "3"}}, {blur2, blur2 + 1});
  EXPECT_TRUE(identical(run(typed, in), run(named, in)));
}

/// What a UsageError says after its stage label ("node 1 'gaussian': ...").
std::string after_label(const std::string& message) {
  const auto at = message.find("': ");
  return at == std::string::npos ? message : message.substr(at + 3);
}

std::string add_error(const StageCall& call) {
  try {
    Pipeline().add(call);
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("node 1 '" + call.kernel + "': ", 0), 0u) << e.what();
    return e.what();
  }
  ADD_FAILURE() << call.kernel << ": no UsageError";
  return {};
}

std::string parse_error(const std::string& spec) {
  try {
    Pipeline::parse(spec);
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("stage 1 '", 0), 0u) << e.what();
    return e.what();
  }
  ADD_FAILURE() << spec << ": no UsageError";
  return {};
}

TEST(Ops, BadValuesFailAsInSpecs) {
  const std::string typed = add_error(ops::gaussian{.sigma = -1});
  EXPECT_NE(typed.find("sigma=-1"), std::string::npos) << typed;
  EXPECT_EQ(after_label(typed), after_label(parse_error("gaussian sigma=-1")));
  EXPECT_EQ(after_label(add_error(ops::median{.ksize = 300})), after_label(parse_error("median ksize=300")));
  EXPECT_EQ(after_label(add_error(ops::threshold{.t = 1, .type = static_cast<ops::threshold::Type>(9)})),
            after_label(parse_error("threshold t=1 type=9")));
  EXPECT_EQ(after_label(add_error(ops::sobel{.dx = 0, .dy = 0})), after_label(parse_error("sobel dx=0 dy=0")));
  EXPECT_EQ(after_label(add_error(ops::crop{.w = 5, .margin = 2})), after_label(parse_error("crop w=5 margin=2")));
}

}  // namespace
}  // namespace tessera
