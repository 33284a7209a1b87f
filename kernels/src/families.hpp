// The built-in kernel families, one folder each under kernels/src: each registers its
// kernels into a Registry. builtin.cpp lists them all; adding a family adds one line there.
#pragma once

#include "tessera/registry.hpp"

namespace tessera::detail {

void register_filters(Registry& r);    ///< gaussian, box, median, bilateral, filter, sharpen, unsharp
void register_edges(Registry& r);      ///< sobel, scharr, laplacian, sobel_mag, abs
void register_pointwise(Registry& r);  ///< threshold, invert, gamma, convert, clamp
void register_color(Registry& r);      ///< gray, hsv, lab, bgr2rgb
void register_arith(Registry& r);      ///< absdiff, addw (two inputs; C++ pipelines)
void register_morphology(Registry& r); ///< erode, dilate, open, close, tophat, blackhat, morph_gradient
void register_geometric(Registry& r);  ///< crop, resize, pad, pyrdown, flip, rotate90
void register_reduce(Registry& r);     ///< equalize, normalize, stats (reduce-then-map)
void register_global(Registry& r);     ///< canny
void register_builtin_kernels(Registry& r);

}  // namespace tessera::detail
