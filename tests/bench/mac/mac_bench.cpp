// Throughput of the behavioral MAC model beside the machine's own limit, in one run: 8b x 8b,
// 144 rows x 8 columns, MAC/s per core (one MAC = one row of one column). The reference is an
// int8 dot product (unsigned 8-bit activations, signed 8-bit weights, 32-bit sums) at the best
// instruction set this CPU has (AVX-512 VNNI vpdpbusd, else AVX2 vpmaddwd, else scalar). The
// model runs DCIM (outputs only, and with its activity counts), HCIM at B_D/A = 8 and OSA-HCIM
// with every noise source on and the activity counts that price its energy, on each of its
// kernel's instruction sets, then OSA-HCIM on two threads against one.
// Rates are per core: each single-thread figure divides by the thread's own CPU time, so other
// load on the machine slows it less than it slows wall time; the two-thread figure is wall time.
// Usage: mac_bench [vectors] [repeats] [scalar|avx2|avx512|all]
//                  [dcim|dcim-energy|hcim-outputs|hcim|osa]
//   (the last two: only that kernel path, only that case; for profiling)
#include <immintrin.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "calib/macro.h"
#include "mac/energy.h"
#include "mac/evaluate.h"
#include "mac/kernel/isa.h"
#include "mac/mac_model.h"

namespace {

using cimchar::mac::ActionCounts;
using cimchar::mac::Isa;
using cimchar::mac::MacArray;
using cimchar::mac::MacRunner;
using cimchar::mac::Rng;
using Clock = std::chrono::steady_clock;

constexpr int kRows = 144;
constexpr int kColumns = 8;
constexpr int kGroups = kRows / 4;  // four rows per 32-bit lane
constexpr std::size_t kBatch = 64;  // vectors per model call

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU time of the calling thread, seconds.
double ThreadSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Weights as [row / 4][column][row % 4] bytes: one 32-byte row of 8 columns per 4 rows.
using Packed = std::vector<std::int8_t>;

// y[v][c] = sum_r a[v][r] w[r][c] for `vectors` vectors of 144 bytes.
std::int64_t DotScalar(const std::uint8_t* a, const Packed& w, std::size_t vectors) {
  std::int64_t sink = 0;
  for (std::size_t v = 0; v < vectors; ++v) {
    std::int32_t y[kColumns] = {};
    for (int q = 0; q < kGroups; ++q) {
      for (int c = 0; c < kColumns; ++c) {
        for (int k = 0; k < 4; ++k) {
          y[c] +=
              a[v * kRows + 4 * q + k] * w[(static_cast<std::size_t>(q) * kColumns + c) * 4 + k];
        }
      }
    }
    for (int c = 0; c < kColumns; ++c) {
      sink += y[c];
    }
  }
  return sink;
}

#if defined(__x86_64__) && defined(__GNUC__)
// Adds eight 32-bit sums to four 64-bit lanes (the running total would overflow 32 bits).
[[gnu::target("avx2")]] __m256i AddWide(__m256i total, __m256i sums) {
  return _mm256_add_epi64(
      total, _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(sums)),
                              _mm256_cvtepi32_epi64(_mm256_extracti128_si256(sums, 1))));
}

[[gnu::target("avx2")]] std::int64_t Sum64(__m256i total) {
  alignas(32) std::int64_t out[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(out), total);
  return out[0] + out[1] + out[2] + out[3];
}

[[gnu::target("avx2")]] std::int64_t DotAvx2(const std::uint8_t* a,
                                             const Packed& w,
                                             std::size_t vectors) {
  // 16-bit products summed in pairs (vpmaddwd): activations widened to 16 bits, no saturation.
  __m256i w16[kGroups * 2];
  for (int q = 0; q < kGroups; ++q) {
    const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&w[q * 32]));
    w16[q * 2] = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(bytes));
    w16[q * 2 + 1] = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(bytes, 1));
  }
  __m256i total = _mm256_setzero_si256();
  for (std::size_t v = 0; v < vectors; ++v) {
    __m256i acc0 = _mm256_setzero_si256();
    __m256i acc1 = _mm256_setzero_si256();
    for (int q = 0; q < kGroups; ++q) {
      std::uint32_t four = 0;
      std::memcpy(&four, a + v * kRows + 4 * q, 4);
      // The 4 activations as 16-bit pairs (a0 a1) (a2 a3), repeated for 4 columns per half.
      const __m256i x = _mm256_cvtepu8_epi16(_mm_set1_epi32(static_cast<int>(four)));
      acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(x, w16[q * 2]));
      acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(x, w16[q * 2 + 1]));
    }
    total = AddWide(total, _mm256_hadd_epi32(acc0, acc1));
  }
  return Sum64(total);
}

[[gnu::target("avx512f,avx512vl,avx512vnni")]] std::int64_t DotVnni(const std::uint8_t* a,
                                                                    const Packed& w,
                                                                    std::size_t vectors) {
  // vpdpbusd: each 32-bit lane (one column) adds four u8 x s8 products; four vectors at once.
  __m256i total = _mm256_setzero_si256();
  std::size_t v = 0;
  for (; v + 4 <= vectors; v += 4) {
    __m256i acc[4] = {};
    for (int q = 0; q < kGroups; ++q) {
      const __m256i wq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&w[q * 32]));
      for (int k = 0; k < 4; ++k) {
        std::uint32_t four = 0;
        std::memcpy(&four, a + (v + k) * kRows + 4 * q, 4);
        acc[k] = _mm256_dpbusd_epi32(acc[k], _mm256_set1_epi32(static_cast<int>(four)), wq);
      }
    }
    total = AddWide(total, _mm256_add_epi32(_mm256_add_epi32(acc[0], acc[1]),
                                            _mm256_add_epi32(acc[2], acc[3])));
  }
  return Sum64(total) + DotScalar(a + v * kRows, w, vectors - v);
}
#endif

struct Reference {
  const char* name;
  std::int64_t (*dot)(const std::uint8_t*, const Packed&, std::size_t);
};

Reference BestReference() {
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl")) {
    return {"int8 dot product, AVX-512 VNNI", DotVnni};
  }
  if (__builtin_cpu_supports("avx2")) {
    return {"int8 dot product, AVX2", DotAvx2};
  }
#endif
  return {"int8 dot product, scalar", DotScalar};
}

// Runs `runner` over vectors [begin, end) `repeats` times in batches; returns a checksum.
double RunModel(const MacRunner& runner,
                const std::vector<std::int32_t>& acts,
                std::size_t begin,
                std::size_t end,
                int repeats,
                std::uint64_t seed,
                ActionCounts* counts) {
  MacRunner::Workspace ws;
  std::vector<double> out(kBatch * kColumns);
  double sink = 0.0;
  Rng noise(seed);
  for (int rep = 0; rep < repeats; ++rep) {
    for (std::size_t n = begin; n < end; n += kBatch) {
      const std::size_t count = std::min(kBatch, end - n);
      runner.RunBatch(std::span(acts).subspan(n * kRows, count * kRows), noise, ws,
                      std::span(out).subspan(0, count * kColumns), counts);
      sink += out[0];
    }
  }
  return sink;
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("command:");
  for (int i = 0; i < argc; ++i) {
    std::printf(" %s", argv[i]);
  }
  std::printf("\n");
  const std::size_t vectors = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 4096;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 20;
  const std::string only = argc > 3 && std::string(argv[3]) != "all" ? argv[3] : "";
  const std::string only_case = argc > 4 ? argv[4] : "";
  if (vectors < 2 || repeats < 1) {
    std::fprintf(stderr, "usage: mac_bench [vectors >= 2] [repeats >= 1]\n");
    return 2;
  }
  std::printf(
      "8b x 8b, %d rows x %d columns, %zu input vectors x %d repeats, batches of %zu, hardware "
      "threads %u\n",
      kRows, kColumns, vectors, repeats, kBatch, std::thread::hardware_concurrency());

  cimchar::mac::MacShape shape;  // defaults: 8b x 8b, 144 x 8, 3-bit ADC, window 4
  shape.signed_weights = true;   // as the reference networks' layers
  const auto weights = cimchar::mac::RandomWeights(shape, kRows, kColumns, 1);
  const MacArray array(shape, cimchar::calib::AnalyticMacro({.geometry = shape.geometry()}),
                       weights, kRows, kColumns, 7);
  std::vector<std::int32_t> acts(vectors * kRows);
  {
    Rng rng(3);
    const auto gen = cimchar::mac::ScaledInputs(8);
    for (std::size_t n = 0; n < vectors; ++n) {
      gen(static_cast<std::int64_t>(n), rng, std::span(acts).subspan(n * kRows, kRows));
    }
  }
  const double macs = static_cast<double>(vectors) * repeats * kRows * kColumns;

  const Reference ref = BestReference();
  double ref_rate = 0.0;
  {
    std::vector<std::uint8_t> a(acts.begin(), acts.end());
    Packed w(static_cast<std::size_t>(kGroups) * kColumns * 4);
    for (int r = 0; r < kRows; ++r) {
      for (int c = 0; c < kColumns; ++c) {
        w[(static_cast<std::size_t>(r / 4) * kColumns + c) * 4 + r % 4] =
            static_cast<std::int8_t>(weights[static_cast<std::size_t>(r) * kColumns + c]);
      }
    }
    const std::int64_t check = DotScalar(a.data(), w, vectors);
    std::int64_t sink = 0;
    const double t0 = ThreadSeconds();
    for (int rep = 0; rep < repeats; ++rep) {
      sink += ref.dot(a.data(), w, vectors);
    }
    ref_rate = macs / (ThreadSeconds() - t0);
    std::printf("%-44s %10.3e MAC/s   reference   (%s)\n", ref.name, ref_rate,
                sink == check * repeats ? "sums checked" : "SUMS DIFFER FROM SCALAR");
  }

  cimchar::mac::RunOptions dcim{.mode = cimchar::mac::Mode::kDcim};
  cimchar::mac::RunOptions hcim;
  hcim.boundary = 8;
  cimchar::mac::RunOptions osa;
  osa.mode = cimchar::mac::Mode::kOsaHcim;
  osa.ose.candidates = {5, 6, 7, 8, 9, 10};
  osa.ose.thresholds = {60, 45, 30, 20, 10};
  struct Case {
    std::string key;
    std::string name;
    cimchar::mac::RunOptions options;
    bool energy;
  };
  double best_osa = 0.0;
  const Isa best = cimchar::mac::SupportedIsas().back();
  for (Isa isa : cimchar::mac::SupportedIsas()) {
    if (!only.empty() && cimchar::mac::IsaName(isa) != only) {
      continue;
    }
    const std::string tag = " [" + cimchar::mac::IsaName(isa) + "]";
    const Case cases[] = {{"dcim", "DCIM, outputs" + tag, dcim, false},
                          {"dcim-energy", "DCIM with energy" + tag, dcim, true},
                          {"hcim-outputs", "HCIM B=8, noise, outputs" + tag, hcim, false},
                          {"hcim", "HCIM B=8, noise + energy" + tag, hcim, true},
                          {"osa", "OSA-HCIM B=5..10, noise + energy" + tag, osa, true}};
    for (const Case& c : cases) {
      if (!only_case.empty() && c.key != only_case) {
        continue;
      }
      cimchar::mac::RunOptions options = c.options;
      options.isa = isa;
      const MacRunner runner(array, options);
      ActionCounts counts;
      const double t0 = ThreadSeconds();
      const double sink =
          RunModel(runner, acts, 0, vectors, repeats, 11, c.energy ? &counts : nullptr);
      const double rate = macs / (ThreadSeconds() - t0);
      std::printf("%-44s %10.3e MAC/s   %6.1fx below the reference   (checksum %.6g)\n",
                  c.name.c_str(), rate, ref_rate / rate, sink);
      if (c.options.mode == cimchar::mac::Mode::kOsaHcim && isa == best) {
        best_osa = rate;
      }
    }
  }

  // Two threads, each on half of the vectors, against one thread on all of them: both timed by
  // wall clock on the same work, long enough (about a second of one core) that starting the
  // threads and touching their buffers does not count.
  if (best_osa > 0.0) {
    cimchar::mac::RunOptions options = osa;
    options.isa = best;
    const MacRunner runner(array, options);
    const int long_repeats = std::max(
        repeats, static_cast<int>(best_osa / (static_cast<double>(vectors) * kRows * kColumns)));
    const double long_macs = static_cast<double>(vectors) * long_repeats * kRows * kColumns;
    ActionCounts one_counts;
    auto t0 = Clock::now();
    const double one_sink = RunModel(runner, acts, 0, vectors, long_repeats, 11, &one_counts);
    const double one_s = Seconds(t0);
    double sinks[2] = {};
    ActionCounts counts[2];
    t0 = Clock::now();
    {
      std::jthread t1(
          [&] { sinks[0] = RunModel(runner, acts, 0, vectors / 2, long_repeats, 11, &counts[0]); });
      std::jthread t2([&] {
        sinks[1] = RunModel(runner, acts, vectors / 2, vectors, long_repeats, 12, &counts[1]);
      });
    }
    const double two_s = Seconds(t0);
    std::printf("%-44s %10.3e MAC/s   wall, %d repeats   (checksum %.6g)\n",
                "OSA-HCIM, noise + energy, 1 thread", long_macs / one_s, long_repeats, one_sink);
    std::printf("%-44s %10.3e MAC/s   %.2fx one thread   (checksum %.6g)\n",
                "OSA-HCIM, noise + energy, 2 threads", long_macs / two_s, one_s / two_s,
                sinks[0] + sinks[1]);
  }
  return 0;
}
