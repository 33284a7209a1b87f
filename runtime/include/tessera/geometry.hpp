/// Geometry: sizes, rectangles, tile grids, border modes and the region arithmetic of tiling.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace tessera {

/// Width and height of an image, in pixels (64-bit so that gigapixel images never overflow).
struct Size {
  std::int64_t w = 0;
  std::int64_t h = 0;

  constexpr std::int64_t area() const { return w * h; }
  constexpr bool empty() const { return w <= 0 || h <= 0; }
  friend constexpr bool operator==(const Size&, const Size&) = default;
};

/// How far a stencil reads around each output pixel: (2*rx+1) x (2*ry+1).
struct Halo {
  int rx = 0;
  int ry = 0;
  friend constexpr bool operator==(const Halo&, const Halo&) = default;
};

/// An axis-aligned rectangle [x, x+w) x [y, y+h) in image coordinates. May extend
/// outside the image (negative origin): such parts are filled by a border mode.
struct Rect {
  std::int64_t x = 0;
  std::int64_t y = 0;
  std::int64_t w = 0;
  std::int64_t h = 0;

  constexpr std::int64_t x1() const { return x + w; }
  constexpr std::int64_t y1() const { return y + h; }
  constexpr std::int64_t area() const { return w * h; }
  constexpr bool empty() const { return w <= 0 || h <= 0; }
  constexpr Size size() const { return {w, h}; }
  constexpr bool contains(const Rect& o) const {
    return o.x >= x && o.y >= y && o.x1() <= x1() && o.y1() <= y1();
  }
  /// The rectangle grown by the halo on every side.
  constexpr Rect grown(Halo r) const { return {x - r.rx, y - r.ry, w + 2 * r.rx, h + 2 * r.ry}; }
  /// `o` expressed relative to this rectangle's origin.
  constexpr Rect relative(const Rect& o) const { return {o.x - x, o.y - y, o.w, o.h}; }
  friend constexpr bool operator==(const Rect&, const Rect&) = default;
};

/// The whole image as a rectangle.
constexpr Rect full_rect(Size s) { return {0, 0, s.w, s.h}; }

/// Intersection; empty (w = h = 0) when the rectangles do not overlap.
constexpr Rect intersect(const Rect& a, const Rect& b) {
  const std::int64_t x0 = std::max(a.x, b.x), y0 = std::max(a.y, b.y);
  const std::int64_t x1 = std::min(a.x1(), b.x1()), y1 = std::min(a.y1(), b.y1());
  if (x1 <= x0 || y1 <= y0) return {x0, y0, 0, 0};
  return {x0, y0, x1 - x0, y1 - y0};
}

/// Smallest rectangle holding both; an empty operand is ignored.
constexpr Rect bounding_union(const Rect& a, const Rect& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  const std::int64_t x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
  const std::int64_t x1 = std::max(a.x1(), b.x1()), y1 = std::max(a.y1(), b.y1());
  return {x0, y0, x1 - x0, y1 - y0};
}

/// A rectangle clipped to an image of the given size.
constexpr Rect clip(const Rect& r, Size image) { return intersect(r, full_rect(image)); }

/// How pixels outside the image are filled. Values match OpenCV's cv::BorderTypes.
enum class BorderMode {
  Constant = 0,    ///< iiiiii|abcdefgh|iiiiiii with a given value i
  Replicate = 1,   ///< aaaaaa|abcdefgh|hhhhhhh
  Reflect = 2,     ///< fedcba|abcdefgh|hgfedcb
  Reflect101 = 4,  ///< gfedcb|abcdefgh|gfedcba (OpenCV's default)
};

/// A border mode plus the fill value used by BorderMode::Constant.
struct Border {
  BorderMode mode = BorderMode::Reflect101;
  double value = 0.0;  ///< clamped to the range of integer depths (DBL_MAX = the depth's max)
};

/// Parses "reflect101" / "reflect_101" / "replicate" / "reflect" / "constant"; throws UsageError.
BorderMode parse_border_mode(const std::string& name);
std::string to_string(BorderMode mode);

/// Maps coordinate p (possibly outside [0, len)) to the image coordinate whose value it
/// takes under `mode`, exactly as cv::borderInterpolate does. Returns -1 for Constant.
std::int64_t border_index(std::int64_t p, std::int64_t len, BorderMode mode);

/// Splits an image into tiles of a fixed size, row-major. The last row and column of
/// tiles are cut to the image; a tile larger than the image gives one tile.
class TileGrid {
 public:
  /// Throws UsageError when the image is empty or the tile size is not positive.
  TileGrid(Size image, Size tile);

  Size image() const { return image_; }
  Size tile_size() const { return tile_; }
  std::int64_t cols() const { return cols_; }
  std::int64_t rows() const { return rows_; }
  std::int64_t count() const { return cols_ * rows_; }
  /// The rectangle of tile i (0 <= i < count()), clipped to the image.
  Rect tile(std::int64_t i) const;

 private:
  Size image_;
  Size tile_;
  std::int64_t cols_ = 0;
  std::int64_t rows_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Rect& r);
std::ostream& operator<<(std::ostream& os, const Size& s);
std::string to_string(const Rect& r);
std::string to_string(const Size& s);

}  // namespace tessera
