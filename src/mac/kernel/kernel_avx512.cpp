// The kernel on AVX-512 (F, BW, DQ, VL, VPOPCNTDQ): chosen at run time on CPUs that have it
// (isa.h).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "mac/kernel/kernel.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// Only what follows is compiled for AVX-512; the headers above keep the baseline instruction set.
#if defined(__clang__)
#pragma clang attribute push(                                                                  \
    __attribute__((target("avx2,popcnt,avx512f,avx512bw,avx512dq,avx512vl,avx512vpopcntdq"))), \
    apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,popcnt,avx512f,avx512bw,avx512dq,avx512vl,avx512vpopcntdq")
// GCC 12 warns inside its own avx512fintrin.h (the deliberately undefined source operand of
// _mm512_undefined_*; GCC bug 105593) wherever an intrinsic using it is inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "mac/kernel/kernel_impl.h"
#include "mac/kernel/lanes_avx512.h"

namespace cimchar::mac::kernel {

void RunAvx512(const ArrayView& array, const RunView& run, Batch& batch) {
  RunBatchImpl<avx512::Lanes>(array, run, batch);
}

}  // namespace cimchar::mac::kernel

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif

#else

namespace cimchar::mac::kernel {

// Never chosen: isa.cpp reports AVX-512 as unsupported off x86-64.
void RunAvx512(const ArrayView& array, const RunView& run, Batch& batch) {
  RunScalar(array, run, batch);
}

}  // namespace cimchar::mac::kernel

#endif
