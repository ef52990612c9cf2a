#pragma once

// The portable lane backend of the MAC kernel: eight 64-bit lanes as plain arrays, one loop per
// operation. It is the reference every instruction-set backend must equal bit for bit (the same
// IEEE operations in the same order per lane), and the path on CPUs without AVX2.
//
// Every backend (lanes_avx2.h, lanes_avx512.h) provides the same names with the same meaning:
//   U  eight unsigned 64-bit lanes     D  eight doubles     M  a per-lane condition
//   integer: LoadU StoreU SetU ZeroU And AndNot Xor Add Sub Shl Popcount SumLanes AddIf SubIf MinU
//   double:  LoadD StoreD SetD ZeroD AddD SubD MulD DivD ToDouble ToInt GeD LeD
//   tables:  GatherD GatherF (double / float table, lane index), Lookup16 (16-entry table)
//   bits:    PackRows (up to 64 activations into one word of each bit plane)
// ToDouble reads a lane as a signed integer and is exact below 2^51 in magnitude; ToInt truncates
// a double below 2^31 in magnitude toward zero into a signed (two's complement) lane.

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace cimchar::mac::kernel::scalar {

struct Lanes {
  static constexpr int kLanes = 8;
  struct U {
    std::uint64_t v[kLanes];
  };
  struct D {
    double v[kLanes];
  };
  struct M {
    bool v[kLanes];
  };

  static U LoadU(const std::uint64_t* p) {
    U r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = p[l];
    }
    return r;
  }
  static void StoreU(std::uint64_t* p, const U& a) {
    for (int l = 0; l < kLanes; ++l) {
      p[l] = a.v[l];
    }
  }
  static U SetU(std::uint64_t x) {
    U r;
    for (auto& v : r.v) {
      v = x;
    }
    return r;
  }
  static U ZeroU() { return SetU(0); }
  static U And(const U& a, const U& b) {
    U r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = a.v[l] & b.v[l];
    }
    return r;
  }
  // a & ~b.
  static U AndNot(const U& a, const U& b) {
    U r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = a.v[l] & ~b.v[l];
    }
    return r;
  }
  static U Xor(const U& a, const U& b) {
    U r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = a.v[l] ^ b.v[l];
    }
    return r;
  }
  static U Add(const U& a, const U& b) {
    U r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = a.v[l] + b.v[l];
    }
    return r;
  }
  static U Sub(const U& a, const U& b) {
    U r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = a.v[l] - b.v[l];
    }
    return r;
  }
  static U Shl(const U& a, int s) {
    U r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = a.v[l] << s;
    }
    return r;
  }
  static U Popcount(const U& a) {
    U r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = static_cast<std::uint64_t>(std::popcount(a.v[l]));
    }
    return r;
  }
  static std::uint64_t SumLanes(const U& a) {
    std::uint64_t sum = 0;
    for (int l = 0; l < kLanes; ++l) {
      sum += a.v[l];
    }
    return sum;
  }
  // a + 1 in the lanes where m holds.
  static U AddIf(const U& a, const M& m) {
    U r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = a.v[l] + (m.v[l] ? 1u : 0u);
    }
    return r;
  }
  // Bit j of activations act[0 .. rows-1] (rows <= 64) into planes[j * stride], j < a; returns
  // the OR of the activations.
  static std::uint32_t PackRows(
      const std::int32_t* act, int rows, int a, std::uint64_t* planes, std::size_t stride) {
    std::uint64_t out[8] = {};
    std::uint32_t any = 0;
    int r = 0;
    // Eight rows at a time: bit j of eight bytes gathered into one byte by a multiply.
    for (; r + 8 <= rows; r += 8) {
      std::uint64_t x = 0;
      for (int m = 0; m < 8; ++m) {
        const auto v = static_cast<std::uint32_t>(act[r + m]);
        any |= v;
        x |= static_cast<std::uint64_t>(v & 0xFFu) << (8 * m);
      }
      for (int j = 0; j < a; ++j) {
        out[j] |= ((((x >> j) & 0x0101010101010101ULL) * 0x0102040810204080ULL) >> 56) << r;
      }
    }
    for (; r < rows; ++r) {
      const auto v = static_cast<std::uint32_t>(act[r]);
      any |= v;
      for (int j = 0; j < a; ++j) {
        out[j] |= static_cast<std::uint64_t>((v >> j) & 1u) << r;
      }
    }
    for (int j = 0; j < a; ++j) {
      planes[static_cast<std::size_t>(j) * stride] = out[j];
    }
    return any;
  }
  // a - 1 in the lanes where m holds.
  static U SubIf(const U& a, const M& m) {
    U r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = a.v[l] - (m.v[l] ? 1u : 0u);
    }
    return r;
  }
  // Unsigned minimum.
  static U MinU(const U& a, const U& b) {
    U r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = a.v[l] < b.v[l] ? a.v[l] : b.v[l];
    }
    return r;
  }

  static D LoadD(const double* p) {
    D r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = p[l];
    }
    return r;
  }
  static void StoreD(double* p, const D& a) {
    for (int l = 0; l < kLanes; ++l) {
      p[l] = a.v[l];
    }
  }
  static D SetD(double x) {
    D r;
    for (auto& v : r.v) {
      v = x;
    }
    return r;
  }
  static D ZeroD() { return SetD(0.0); }
  static D AddD(const D& a, const D& b) {
    D r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = a.v[l] + b.v[l];
    }
    return r;
  }
  static D SubD(const D& a, const D& b) {
    D r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = a.v[l] - b.v[l];
    }
    return r;
  }
  static D MulD(const D& a, const D& b) {
    D r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = a.v[l] * b.v[l];
    }
    return r;
  }
  static D ToDouble(const U& a) {
    D r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = static_cast<double>(static_cast<std::int64_t>(a.v[l]));
    }
    return r;
  }
  static U ToInt(const D& a) {
    U r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] =
          static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(a.v[l])));
    }
    return r;
  }
  static D DivD(const D& a, const D& b) {
    D r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = a.v[l] / b.v[l];
    }
    return r;
  }
  static M GeD(const D& a, const D& b) {
    M m;
    for (int l = 0; l < kLanes; ++l) {
      m.v[l] = a.v[l] >= b.v[l];
    }
    return m;
  }
  static M LeD(const D& a, const D& b) {
    M m;
    for (int l = 0; l < kLanes; ++l) {
      m.v[l] = a.v[l] <= b.v[l];
    }
    return m;
  }
  static D GatherD(const double* table, const U& index) {
    D r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = table[index.v[l]];
    }
    return r;
  }
  static D Lookup16(const double* table, const U& index) { return GatherD(table, index); }
  static D GatherF(const float* table, const U& index) {
    D r;
    for (int l = 0; l < kLanes; ++l) {
      r.v[l] = static_cast<double>(table[index.v[l]]);
    }
    return r;
  }
};

}  // namespace cimchar::mac::kernel::scalar
