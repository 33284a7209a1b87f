#include "tessera/geometry.hpp"

#include <ostream>
#include <sstream>

#include "tessera/error.hpp"

namespace tessera {

BorderMode parse_border_mode(const std::string& name) {
  if (name == "reflect101" || name == "reflect_101" || name == "default") return BorderMode::Reflect101;
  if (name == "replicate") return BorderMode::Replicate;
  if (name == "reflect") return BorderMode::Reflect;
  if (name == "constant") return BorderMode::Constant;
  throw UsageError("border mode '" + name + "' is not one of reflect101, replicate, reflect, constant");
}

std::string to_string(BorderMode mode) {
  switch (mode) {
    case BorderMode::Reflect101: return "reflect101";
    case BorderMode::Replicate: return "replicate";
    case BorderMode::Reflect: return "reflect";
    case BorderMode::Constant: return "constant";
  }
  return "?";
}

std::int64_t border_index(std::int64_t p, std::int64_t len, BorderMode mode) {
  if (p >= 0 && p < len) return p;
  switch (mode) {
    case BorderMode::Constant: return -1;
    case BorderMode::Replicate: return p < 0 ? 0 : len - 1;
    case BorderMode::Reflect:
    case BorderMode::Reflect101: {
      if (len == 1) return 0;
      const std::int64_t delta = mode == BorderMode::Reflect101 ? 1 : 0;
      // Unfold the reflection: the sequence is periodic with period 2*len - 2*delta.
      do {
        if (p < 0) p = -p - 1 + delta;
        else p = len - 1 - (p - len) - delta;
      } while (p < 0 || p >= len);
      return p;
    }
  }
  return -1;
}

TileGrid::TileGrid(Size image, Size tile) : image_(image), tile_(tile) {
  if (image.empty()) throw UsageError("image size " + to_string(image) + " is empty");
  if (tile.w <= 0 || tile.h <= 0) throw UsageError("tile size " + to_string(tile) + " must be positive");
  tile_ = {std::min(tile.w, image.w), std::min(tile.h, image.h)};
  cols_ = (image.w + tile_.w - 1) / tile_.w;
  rows_ = (image.h + tile_.h - 1) / tile_.h;
}

Rect TileGrid::tile(std::int64_t i) const {
  const std::int64_t tx = i % cols_, ty = i / cols_;
  const Rect r{tx * tile_.w, ty * tile_.h, tile_.w, tile_.h};
  return clip(r, image_);
}

std::ostream& operator<<(std::ostream& os, const Rect& r) {
  return os << r.w << "x" << r.h << "+" << r.x << "+" << r.y;
}
std::ostream& operator<<(std::ostream& os, const Size& s) { return os << s.w << "x" << s.h; }
std::string to_string(const Rect& r) {
  std::ostringstream os;
  os << r;
  return os.str();
}
std::string to_string(const Size& s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

}  // namespace tessera
