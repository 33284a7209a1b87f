/// tessera: tile-parallel image processing. The one header an application includes (it spans both layers, so it lives in the top one, kernels/).
#pragma once

#include "tessera/error.hpp"
#include "tessera/geometry.hpp"
#include "tessera/io.hpp"
#include "tessera/kernel.hpp"
#include "tessera/kernel_adapters.hpp"
#include "tessera/ops.hpp"
#include "tessera/pipeline.hpp"
#include "tessera/registry.hpp"
#include "tessera/run.hpp"
#include "tessera/simd.hpp"
#include "tessera/tiff.hpp"
#include "tessera/trace.hpp"
#include "tessera/autotune.hpp"
#include "tessera/version.hpp"
