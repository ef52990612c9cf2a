#pragma once

// The model run on a given batch of input vectors, every result kept per vector: what a caller
// with its own data (a framework's layer, a notebook) needs beyond the SNR's moments.

#include <cstdint>
#include <span>
#include <vector>

#include "mac/energy.h"
#include "mac/evaluate.h"
#include "mac/mac_model.h"
#include "mac/options.h"

namespace cimchar::mac {

struct BatchResult {
  std::int64_t vectors = 0;
  int outputs = 0;
  int passes = 0;  // array passes per vector: row tiles x column tiles
  // vectors x outputs, row-major: the model's output, its integer code (the accumulator a
  // digital back end keeps: the output rounded to the nearest integer) and the exact dot product.
  std::vector<double> values;
  std::vector<std::int64_t> codes;
  std::vector<std::int64_t> ideal;
  // vectors x passes, row-major (pass = row tile x column tiles + column tile): the saliency S
  // of each pass (0 outside OSA-HCIM) and the B_D/A it ran at (0 in DCIM).
  std::vector<std::int64_t> saliency;
  std::vector<int> boundaries;
  ActionCounts counts;     // the whole batch
  EnergyBreakdown energy;  // `counts` priced with the array's macro
};

struct BatchOptions {
  std::uint64_t seed = 1;  // per-conversion noise
  int threads = 1;         // any count gives identical results
  bool ideal = true;       // also the exact dot products (MacArray::Exact)
  bool passes = true;      // also the saliency and B_D/A of every pass (MacRunner::Saliency)
};

// Runs `vectors` input vectors (activations: vectors x Length(), row-major) through `array` with
// `options`, in blocks of kSamplesPerBlock vectors: block b draws its per-conversion noise in
// vector order from stream (seed, b, 2), as EvaluateSnr's samples do, so the batch of a data
// set's vectors gives EvaluateSnr's errors on DataInputs of that set. What batch.ideal and
// batch.passes leave out stays empty.
// Failures: UsageError for invalid options, vectors < 1, an activation count other than
// vectors x Length(), an activation outside 0..2^a-1, threads < 1. Ownership: returns a value.
// Thread-safety: reentrant; the array is only read.
BatchResult EvaluateBatch(const MacArray& array,
                          const RunOptions& options,
                          std::span<const std::int32_t> activations,
                          std::int64_t vectors,
                          const BatchOptions& batch = {});

}  // namespace cimchar::mac
