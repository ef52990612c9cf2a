#pragma once

// The AVX-512 lane backend (F, BW, DQ, VL and VPOPCNTDQ): eight 64-bit lanes in one register.
// Same names and meaning as lanes_scalar.h, whose results it equals bit for bit. Include only
// from a file compiled for these instruction sets (kernel_avx512.cpp).

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace cimchar::mac::kernel::avx512 {

struct Lanes {
  static constexpr int kLanes = 8;
  using U = __m512i;
  using D = __m512d;
  using M = __mmask8;

  static U LoadU(const std::uint64_t* p) { return _mm512_loadu_si512(p); }
  static void StoreU(std::uint64_t* p, U a) { _mm512_storeu_si512(p, a); }
  static U SetU(std::uint64_t x) { return _mm512_set1_epi64(static_cast<long long>(x)); }
  static U ZeroU() { return _mm512_setzero_si512(); }
  static U And(U a, U b) { return _mm512_and_si512(a, b); }
  static U AndNot(U a, U b) { return _mm512_andnot_si512(b, a); }
  static U Xor(U a, U b) { return _mm512_xor_si512(a, b); }
  static U Add(U a, U b) { return _mm512_add_epi64(a, b); }
  static U Sub(U a, U b) { return _mm512_sub_epi64(a, b); }
  static U Shl(U a, int s) { return _mm512_sll_epi64(a, _mm_cvtsi32_si128(s)); }
  static U Popcount(U a) { return _mm512_popcnt_epi64(a); }
  static std::uint64_t SumLanes(U a) {
    return static_cast<std::uint64_t>(_mm512_reduce_add_epi64(a));
  }
  static U AddIf(U a, M m) { return _mm512_mask_add_epi64(a, m, a, _mm512_set1_epi64(1)); }
  static std::uint32_t PackRows(
      const std::int32_t* act, int rows, int a, std::uint64_t* planes, std::size_t stride) {
    __m512i any = _mm512_setzero_si512();
    // The low byte of each activation (as the scalar path's v & 0xFF), 16 rows per chunk.
    const auto chunk = [&](int c) {
      const int n = rows - 16 * c;
      if (n <= 0) {
        return _mm_setzero_si128();
      }
      const auto k = static_cast<__mmask16>(n >= 16 ? 0xFFFFu : (1u << n) - 1);
      const __m512i v = _mm512_maskz_loadu_epi32(k, act + 16 * c);
      any = _mm512_or_si512(any, v);
      return _mm512_cvtepi32_epi8(v);
    };
    __m512i bytes = _mm512_castsi128_si512(chunk(0));
    bytes = _mm512_inserti32x4(bytes, chunk(1), 1);
    bytes = _mm512_inserti32x4(bytes, chunk(2), 2);
    bytes = _mm512_inserti32x4(bytes, chunk(3), 3);
    for (int j = 0; j < a; ++j) {
      planes[static_cast<std::size_t>(j) * stride] =
          _mm512_test_epi8_mask(bytes, _mm512_set1_epi8(static_cast<char>(1 << j)));
    }
    return static_cast<std::uint32_t>(_mm512_reduce_or_epi32(any));
  }
  static U SubIf(U a, M m) { return _mm512_mask_sub_epi64(a, m, a, _mm512_set1_epi64(1)); }
  static U MinU(U a, U b) { return _mm512_min_epu64(a, b); }

  static D LoadD(const double* p) { return _mm512_loadu_pd(p); }
  static void StoreD(double* p, D a) { _mm512_storeu_pd(p, a); }
  static D SetD(double x) { return _mm512_set1_pd(x); }
  static D ZeroD() { return _mm512_setzero_pd(); }
  static D AddD(D a, D b) { return _mm512_add_pd(a, b); }
  static D SubD(D a, D b) { return _mm512_sub_pd(a, b); }
  static D MulD(D a, D b) { return _mm512_mul_pd(a, b); }
  static D ToDouble(U a) { return _mm512_cvtepi64_pd(a); }
  static U ToInt(D a) { return _mm512_cvttpd_epi64(a); }
  static D DivD(D a, D b) { return _mm512_div_pd(a, b); }
  static M GeD(D a, D b) { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
  static M LeD(D a, D b) { return _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ); }
  static D GatherD(const double* table, U index) { return _mm512_i64gather_pd(index, table, 8); }
  // A 16-entry table in two registers (no memory gather).
  static D Lookup16(const double* table, U index) {
    return _mm512_permutex2var_pd(_mm512_loadu_pd(table), index, _mm512_loadu_pd(table + 8));
  }
  static D GatherF(const float* table, U index) {
    return _mm512_cvtps_pd(_mm512_i64gather_ps(index, table, 4));
  }
};

}  // namespace cimchar::mac::kernel::avx512
