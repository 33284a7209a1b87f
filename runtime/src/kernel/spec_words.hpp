// The words of a spec: how "name k=v k2='a b'" splits, shared by the spec parser
// (Pipeline::parse) and KernelInfo::example_params.
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

namespace tessera::detail {

/// Splits `text` on `sep` (or, with `on_space`, on runs of white space) outside single or
/// double quotes. Quotes are kept in the parts when `keep_quotes`, removed otherwise. Throws
/// UsageError(where + "unclosed quote ...") on an unclosed quote.
std::vector<std::string> split_outside_quotes(const std::string& text, char sep, bool on_space, bool keep_quotes,
                                              const std::string& where);

/// key=value words as a map; throws UsageError(where + ...) for a word that is not key=value
/// or a key given twice.
std::map<std::string, std::string> key_values(std::span<const std::string> words, const std::string& where);

}  // namespace tessera::detail
