/// Registry: every kernel tessera knows, with its parameters; the CLI, spec parser, tests and benches enumerate it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "tessera/kernel.hpp"

namespace tessera {

/// The kinds of value a kernel parameter can take.
enum class ParamType { Int, Float, Choice, Text };

/// One parameter of a kernel: its type, default and valid range.
struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Float;
  std::string help;
  std::optional<std::string> default_value;  ///< as written in a spec; nullopt = required
  double min = -1e300;                       ///< numeric range (Int and Float)
  double max = 1e300;
  bool min_exclusive = false;                ///< range is (min, max] instead of [min, max]
  std::vector<std::string> choices;          ///< valid values for Choice

  std::string range_str() const;  ///< e.g. "> 0", "1..31", "binary|binary_inv"
};

/// Parameter values of one kernel instance, already checked against its ParamSpecs.
class Params {
 public:
  using Value = std::variant<std::int64_t, double, std::string>;

  void set(const std::string& name, Value v) { values_[name] = std::move(v); }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::int64_t integer(const std::string& name) const;
  double number(const std::string& name) const;  ///< Int or Float
  const std::string& text(const std::string& name) const;  ///< Choice or Text
  const std::map<std::string, Value>& values() const { return values_; }

 private:
  std::map<std::string, Value> values_;
};

/// The pixel types a kernel accepts: every combination of the listed depths and channel counts.
struct TypeSet {
  std::vector<int> depths;    ///< OpenCV depths, e.g. {CV_8U, CV_16U, CV_32F}
  std::vector<int> channels;  ///< e.g. {1, 3, 4}

  std::vector<PixelType> all() const;
  bool contains(const PixelType& t) const;
  std::string str() const;  ///< e.g. "u8/u16/f32 x 1,3,4"
};

/// One node of a composite entry's expansion (see KernelInfo::expand).
struct Step {
  KernelPtr kernel;
  /// What feeds each kernel input: -1 - i for the composite's input i (so -1 is its
  /// first input), k >= 0 for the output of step k (an earlier step).
  std::vector<int> inputs;
};

/// A registry entry: name, description, parameters, class and how to construct it.
struct KernelInfo {
  std::string name;
  std::string description{};
  KernelClass kernel_class = KernelClass::Pointwise;
  std::vector<ParamSpec> params{};
  TypeSet types{};  ///< input pixel types it accepts (of its first input)
  /// Builds the kernel from checked parameters; may throw UsageError for
  /// constraints between parameters (e.g. "ksize=4 must be odd").
  std::function<KernelPtr(const Params&)> make{};
  /// Values for the required parameters, as a spec would write them ("sigma=2"): used
  /// by `tessera kernels` and by the generated tests.
  std::string example{};
  /// For composite entries (e.g. `open` = erode then dilate, each with its own border),
  /// instead of make: the nodes the stage expands into, the last being its output.
  std::function<std::vector<Step>(const Params&)> expand{};
  /// The OpenCV call(s) on whole images that define the entry, when that is not simply
  /// the kernel's reference() (composites, kernels computed differently from OpenCV).
  /// Tests compare tiled runs with it.
  std::function<cv::Mat(std::span<const cv::Mat>, const Params&)> oracle{};
  /// Largest absolute difference from `oracle` allowed per value; 0 = bit-exact. Only for
  /// kernels whose OpenCV call cannot be reproduced exactly (its doc says why). Tiling
  /// invariance is exact regardless.
  double oracle_tolerance = 0;

  /// `example` as key=value parameters ("sigma=2 ksize=5" -> {sigma: 2, ksize: 5}), split
  /// on white space outside quotes as a spec is (kernel="1 2 1" -> {kernel: 1 2 1}).
  /// Throws UsageError for a word that is not key=value, a key given twice or an unclosed quote.
  std::map<std::string, std::string> example_params() const;
};

/// The set of known kernels. Registry::builtin() holds every kernel shipped with tessera;
/// applications may build their own or add to a copy.
class Registry {
 public:
  /// Adds an entry; throws UsageError if the name is taken.
  void add(KernelInfo info);
  const KernelInfo* find(const std::string& name) const;
  /// Throws UsageError "unknown kernel 'x' (did you mean 'y'?)".
  const KernelInfo& at(const std::string& name) const;
  /// Entries in name order.
  std::vector<const KernelInfo*> entries() const;

  /// Checks raw key=value strings against the entry's ParamSpecs (unknown key, missing
  /// required value, bad number, out of range, bad choice) and fills in defaults.
  Params parse_params(const KernelInfo& info, const std::map<std::string, std::string>& raw) const;
  /// parse_params + info.make. Throws UsageError for composite entries (use steps()).
  KernelPtr make(const std::string& name, const std::map<std::string, std::string>& raw = {}) const;
  /// The nodes a stage `name k=v...` becomes: one step for plain kernels, the expansion
  /// for composites.
  std::vector<Step> steps(const std::string& name, const std::map<std::string, std::string>& raw = {}) const;

  /// The built-in kernels (thread-safe, built once). Declared here so that the spec parser's
  /// default registry needs no kernel header; defined by the kernels layer (kernels/src/builtin.cpp).
  static const Registry& builtin();

 private:
  std::map<std::string, KernelInfo> entries_;
};

}  // namespace tessera
