#pragma once

// The AVX2 lane backend: eight 64-bit lanes in two 256-bit registers. Same names and meaning as
// lanes_scalar.h, whose results it equals bit for bit. AVX2 lacks a 64-bit popcount, a 64-bit
// integer to double conversion and an unsigned 64-bit minimum: they are built from byte lookups,
// the 2^52 + 2^51 exponent trick (exact below 2^51) and a sign-flipped compare. Include only from
// a file compiled for AVX2 (kernel_avx2.cpp).

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace cimchar::mac::kernel::avx2 {

struct Lanes {
  static constexpr int kLanes = 8;
  struct U {
    __m256i lo, hi;
  };
  struct D {
    __m256d lo, hi;
  };
  struct M {
    __m256d lo, hi;  // all ones where the condition holds
  };

  static U LoadU(const std::uint64_t* p) {
    return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)),
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 4))};
  }
  static void StoreU(std::uint64_t* p, U a) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), a.lo);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p + 4), a.hi);
  }
  static U SetU(std::uint64_t x) {
    const __m256i v = _mm256_set1_epi64x(static_cast<long long>(x));
    return {v, v};
  }
  static U ZeroU() { return {_mm256_setzero_si256(), _mm256_setzero_si256()}; }
  static U And(U a, U b) { return {_mm256_and_si256(a.lo, b.lo), _mm256_and_si256(a.hi, b.hi)}; }
  static U AndNot(U a, U b) {
    return {_mm256_andnot_si256(b.lo, a.lo), _mm256_andnot_si256(b.hi, a.hi)};
  }
  static U Xor(U a, U b) { return {_mm256_xor_si256(a.lo, b.lo), _mm256_xor_si256(a.hi, b.hi)}; }
  static U Add(U a, U b) { return {_mm256_add_epi64(a.lo, b.lo), _mm256_add_epi64(a.hi, b.hi)}; }
  static U Sub(U a, U b) { return {_mm256_sub_epi64(a.lo, b.lo), _mm256_sub_epi64(a.hi, b.hi)}; }
  static U Shl(U a, int s) {
    const __m128i n = _mm_cvtsi32_si128(s);
    return {_mm256_sll_epi64(a.lo, n), _mm256_sll_epi64(a.hi, n)};
  }
  static __m256i Popcount4(__m256i v) {
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1,
                                           2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    const __m256i lo = _mm256_and_si256(v, low);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
    const __m256i bytes =
        _mm256_add_epi8(_mm256_shuffle_epi8(table, lo), _mm256_shuffle_epi8(table, hi));
    return _mm256_sad_epu8(bytes, _mm256_setzero_si256());
  }
  static U Popcount(U a) { return {Popcount4(a.lo), Popcount4(a.hi)}; }
  static std::uint64_t SumLanes(U a) {
    const __m256i s = _mm256_add_epi64(a.lo, a.hi);
    const __m128i x = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    return static_cast<std::uint64_t>(_mm_cvtsi128_si64(x) + _mm_extract_epi64(x, 1));
  }
  static U AddIf(U a, M m) {
    return {_mm256_sub_epi64(a.lo, _mm256_castpd_si256(m.lo)),
            _mm256_sub_epi64(a.hi, _mm256_castpd_si256(m.hi))};
  }
  static U SubIf(U a, M m) {
    return {_mm256_add_epi64(a.lo, _mm256_castpd_si256(m.lo)),
            _mm256_add_epi64(a.hi, _mm256_castpd_si256(m.hi))};
  }
  static std::uint32_t PackRows(
      const std::int32_t* act, int rows, int a, std::uint64_t* planes, std::size_t stride) {
    __m256i any = _mm256_setzero_si256();
    const __m256i low = _mm256_set1_epi32(0xFF);
    // Eight activations (masked past `rows`), their low bytes (as the scalar path's v & 0xFF).
    const auto load8 = [&](int r0) {
      const int n = rows - r0;
      if (n <= 0) {
        return _mm256_setzero_si256();
      }
      const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
      const __m256i k = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lanes);
      const __m256i v = _mm256_maskload_epi32(act + r0, k);
      any = _mm256_or_si256(any, v);
      return _mm256_and_si256(v, low);
    };
    std::uint64_t out[8] = {};
    for (int half = 0; half < 2; ++half) {
      const int r0 = 32 * half;
      // 32 bytes in row order: the 16-bit and 8-bit packs work per 128-bit lane, then a permute.
      const __m256i w01 = _mm256_packus_epi32(load8(r0), load8(r0 + 8));
      const __m256i w23 = _mm256_packus_epi32(load8(r0 + 16), load8(r0 + 24));
      const __m256i b = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(w01, w23),
                                                    _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
      for (int j = 0; j < a; ++j) {
        const auto bits = static_cast<std::uint32_t>(
            _mm256_movemask_epi8(_mm256_sll_epi16(b, _mm_cvtsi32_si128(7 - j))));
        out[j] |= static_cast<std::uint64_t>(bits) << r0;
      }
    }
    for (int j = 0; j < a; ++j) {
      planes[static_cast<std::size_t>(j) * stride] = out[j];
    }
    const __m128i x = _mm_or_si128(_mm256_castsi256_si128(any), _mm256_extracti128_si256(any, 1));
    const __m128i y = _mm_or_si128(x, _mm_shuffle_epi32(x, 0x4E));
    return static_cast<std::uint32_t>(
        _mm_cvtsi128_si32(_mm_or_si128(y, _mm_shuffle_epi32(y, 0xB1))));
  }
  static __m256i MinU4(__m256i a, __m256i b) {
    const __m256i sign = _mm256_set1_epi64x(static_cast<long long>(0x8000000000000000ULL));
    const __m256i a_gt_b = _mm256_cmpgt_epi64(_mm256_xor_si256(a, sign), _mm256_xor_si256(b, sign));
    return _mm256_blendv_epi8(a, b, a_gt_b);
  }
  static U MinU(U a, U b) { return {MinU4(a.lo, b.lo), MinU4(a.hi, b.hi)}; }

  static D LoadD(const double* p) { return {_mm256_loadu_pd(p), _mm256_loadu_pd(p + 4)}; }
  static void StoreD(double* p, D a) {
    _mm256_storeu_pd(p, a.lo);
    _mm256_storeu_pd(p + 4, a.hi);
  }
  static D SetD(double x) {
    const __m256d v = _mm256_set1_pd(x);
    return {v, v};
  }
  static D ZeroD() { return {_mm256_setzero_pd(), _mm256_setzero_pd()}; }
  static D AddD(D a, D b) { return {_mm256_add_pd(a.lo, b.lo), _mm256_add_pd(a.hi, b.hi)}; }
  static D SubD(D a, D b) { return {_mm256_sub_pd(a.lo, b.lo), _mm256_sub_pd(a.hi, b.hi)}; }
  static D MulD(D a, D b) { return {_mm256_mul_pd(a.lo, b.lo), _mm256_mul_pd(a.hi, b.hi)}; }
  static __m256d ToDouble4(__m256i a) {
    // 2^52 + 2^51: adding a (|a| < 2^51) to its bit pattern gives the double 2^52 + 2^51 + a.
    const __m256d magic = _mm256_set1_pd(6755399441055744.0);
    return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_add_epi64(a, _mm256_castpd_si256(magic))),
                         magic);
  }
  static D ToDouble(U a) { return {ToDouble4(a.lo), ToDouble4(a.hi)}; }
  static U ToInt(D a) {
    return {_mm256_cvtepi32_epi64(_mm256_cvttpd_epi32(a.lo)),
            _mm256_cvtepi32_epi64(_mm256_cvttpd_epi32(a.hi))};
  }
  static D DivD(D a, D b) { return {_mm256_div_pd(a.lo, b.lo), _mm256_div_pd(a.hi, b.hi)}; }
  static M GeD(D a, D b) {
    return {_mm256_cmp_pd(a.lo, b.lo, _CMP_GE_OQ), _mm256_cmp_pd(a.hi, b.hi, _CMP_GE_OQ)};
  }
  static M LeD(D a, D b) {
    return {_mm256_cmp_pd(a.lo, b.lo, _CMP_LE_OQ), _mm256_cmp_pd(a.hi, b.hi, _CMP_LE_OQ)};
  }
  static D GatherD(const double* table, U index) {
    return {_mm256_i64gather_pd(table, index.lo, 8), _mm256_i64gather_pd(table, index.hi, 8)};
  }
  static D Lookup16(const double* table, U index) { return GatherD(table, index); }
  static D GatherF(const float* table, U index) {
    return {_mm256_cvtps_pd(_mm256_i64gather_ps(table, index.lo, 4)),
            _mm256_cvtps_pd(_mm256_i64gather_ps(table, index.hi, 4))};
  }
};

}  // namespace cimchar::mac::kernel::avx2
