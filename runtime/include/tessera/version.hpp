/// Version of the tessera library.
#pragma once

#define TESSERA_VERSION_STRING "0.1.0"

namespace tessera {
inline constexpr const char* version() { return TESSERA_VERSION_STRING; }
}  // namespace tessera
