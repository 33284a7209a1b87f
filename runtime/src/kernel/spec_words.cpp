// The words of a spec (spec_words.hpp).
#include "kernel/spec_words.hpp"

#include <cctype>

#include "tessera/error.hpp"

namespace tessera::detail {

/// Splits `text` on `sep` (or on runs of white space) outside single or double quotes.
/// Quotes are kept in the parts when `keep_quotes`, removed otherwise. Throws on an
/// unclosed quote.
std::vector<std::string> split_outside_quotes(const std::string& text, char sep, bool on_space, bool keep_quotes,
                                              const std::string& where) {
  std::vector<std::string> parts;
  std::string cur;
  char quote = 0;
  bool any = false;
  for (char c : text) {
    if (quote) {
      const bool closing = c == quote;
      if (closing) quote = 0;
      if (!closing || keep_quotes) cur += c;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      any = true;
      if (keep_quotes) cur += c;
      continue;
    }
    const bool is_sep = on_space ? std::isspace(static_cast<unsigned char>(c)) != 0 : c == sep;
    if (is_sep) {
      if (!on_space || any || !cur.empty()) parts.push_back(cur);
      cur.clear();
      any = false;
      continue;
    }
    cur += c;
  }
  if (quote) throw UsageError(where + "unclosed quote " + std::string(1, quote));
  if (!on_space || any || !cur.empty()) parts.push_back(cur);
  return parts;
}

std::map<std::string, std::string> key_values(std::span<const std::string> words, const std::string& where) {
  std::map<std::string, std::string> out;
  for (const std::string& word : words) {
    const auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError(where + "'" + word + "' is not key=value");
    const std::string key = word.substr(0, eq);
    if (!out.emplace(key, word.substr(eq + 1)).second) throw UsageError(where + "parameter '" + key + "' given twice");
  }
  return out;
}

}  // namespace tessera::detail
