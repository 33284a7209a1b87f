// Morphology: erode, dilate, open, close, tophat, blackhat, morph_gradient.
#include "tessera/kernels.hpp"

namespace tessera {

void register_morphology(Registry& r) { (void)r; }

}  // namespace tessera
