// The kernel on the portable lane backend: the reference path, and the one on CPUs without AVX2.
#include <cstddef>
#include <cstdint>

#include "mac/kernel/kernel.h"
#include "mac/kernel/lanes_scalar.h"
// After every header it needs (see kernel_impl.h).
#include "mac/kernel/kernel_impl.h"

namespace cimchar::mac::kernel {

void RunScalar(const ArrayView& array, const RunView& run, Batch& batch) {
  RunBatchImpl<scalar::Lanes>(array, run, batch);
}

std::uint32_t Pack(const ArrayView& array, const std::int32_t* activations, std::uint64_t* planes) {
  return PackVector<scalar::Lanes>(array, activations, planes);
}

std::int64_t TileSaliencyOne(const ArrayView& array,
                             const RunView& run,
                             int tile,
                             int column_tile,
                             const std::uint64_t* act) {
  return TileSaliency<scalar::Lanes>(array, run, tile, column_tile, act);
}

int ConvertOne(const ArrayView& array,
               const RunView& run,
               int tile,
               int group,
               int lane,
               const std::int64_t* rows_at_code,
               Rng& noise) {
  using L = scalar::Lanes;
  // The kernel's sums, in its order (PassGroup): the line's step in partial sums by code, and the
  // weighted row count (exact).
  double part[kStepParts] = {};
  double weighted = 0.0;
  for (int d = 1; d < (1 << array.dac_bits); ++d) {
    const auto rows = static_cast<double>(rows_at_code[d]);
    part[d % kStepParts] += rows * array.step_v[d];
    weighted += rows * static_cast<double>(d);
  }
  const double step = (part[0] + part[1]) + (part[2] + part[3]);
  L::D z = L::ZeroD();
  if (run.dynamic_noise) {
    constexpr int kBits = FastNormal::kTableBits;
    z = L::SetD(static_cast<double>(array.normal_table[noise.Next() >> (64 - kBits)]));
  }
  const std::size_t at =
      static_cast<std::size_t>(tile) * array.groups + static_cast<std::size_t>(group);
  L::D frac;
  const L::U code = Convert<L>(array, run, array.statics + at * StaticsPerGroup(array), nullptr,
                               L::SetD(step), L::SetD(weighted), z, frac);
  return static_cast<int>(code.v[lane]);
}

}  // namespace cimchar::mac::kernel
