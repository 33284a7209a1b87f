// Geometric kernels (bounds inference: output rect -> input rect): crop, resize, pad, pyrdown, flip, rotate90.
#include "tessera/kernels.hpp"

namespace tessera {

void register_geometric(Registry& r) { (void)r; }

}  // namespace tessera
