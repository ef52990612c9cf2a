// The kernel on AVX2 (with POPCNT): chosen at run time on CPUs that have it (isa.h).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "mac/kernel/kernel.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// Only what follows is compiled for AVX2; the headers above keep the baseline instruction set.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,popcnt"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,popcnt")
#endif
#include "mac/kernel/kernel_impl.h"
#include "mac/kernel/lanes_avx2.h"

namespace cimchar::mac::kernel {

void RunAvx2(const ArrayView& array, const RunView& run, Batch& batch) {
  RunBatchImpl<avx2::Lanes>(array, run, batch);
}

}  // namespace cimchar::mac::kernel

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else

namespace cimchar::mac::kernel {

// Never chosen: isa.cpp reports AVX2 as unsupported off x86-64.
void RunAvx2(const ArrayView& array, const RunView& run, Batch& batch) {
  RunScalar(array, run, batch);
}

}  // namespace cimchar::mac::kernel

#endif
