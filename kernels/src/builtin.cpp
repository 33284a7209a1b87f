// The built-in registry: every kernel family shipped with tessera, registered in one place.
// The runtime declares Registry::builtin() (tessera/registry.hpp) and never calls it; this
// layer defines it.
#include "families.hpp"

namespace tessera {

void detail::register_builtin_kernels(Registry& r) {
  detail::register_filters(r);
  detail::register_edges(r);
  detail::register_pointwise(r);
  detail::register_color(r);
  detail::register_arith(r);
  detail::register_morphology(r);
  detail::register_geometric(r);
  detail::register_reduce(r);
  detail::register_global(r);
}

const Registry& Registry::builtin() {
  static const Registry registry = [] {
    Registry r;
    detail::register_builtin_kernels(r);
    return r;
  }();
  return registry;
}

}  // namespace tessera
