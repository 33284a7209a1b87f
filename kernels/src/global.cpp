// Global kernels (output may depend on the whole image): canny.
#include "tessera/kernels.hpp"

namespace tessera {

void register_global(Registry& r) { (void)r; }

}  // namespace tessera
