#pragma once

// The validation's input vectors: the sets the column recipe names (column.sets), built from the
// characterized macro at the column's operating point, so that they cover the converter's whole
// transfer on the ideal line the model reads codes back with:
//   sweep    the ideal line at every transition T_k +- column.sweep_offsets (LSB) and, with
//            column.sweep_centres, at every bin's centre: W = 1 rows and their DAC codes chosen so
//            that sum(W code) lands there (the rows at random, their codes uniform, then moved a
//            step at a time until the sum is reached);
//   codes    every row W = 1 at one DAC code c, for each c of column.codes (the line's step at
//            that code, including the codes the line table interpolates);
//   network  the analog ops of real multi-bit MACs: column.network_macs dot products (one row
//            tile, one output) of a layer's real operands at each B_D/A of
//            column.network_boundaries, one op per weight bit with an analog window, its rows'
//            W and DAC codes as the model applies them.
// Every draw is a counter-based function of column.input_seed, so the same recipe and tables
// give the same vectors; the column bench converts them as the column.ops list.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "calib/macro.h"
#include "characterize/benches/chain.h"
#include "characterize/recipe.h"
#include "mac/mac_model.h"
#include "network/layer_data.h"

namespace cimchar::validate {

enum class VectorSet { kSweep, kCodes, kNetwork };

// "sweep", "codes", "network". Failures: none.
const char* SetName(VectorSet set);

// The column recipe's description of its vector sets (characterize::benches::ColumnSetKeys).
struct VectorSets {
  std::vector<VectorSet> sets = {VectorSet::kSweep};
  std::vector<int> sweep_transitions;  // k of T_k; empty: every transition
  std::vector<double> sweep_offsets = {-0.4, -0.15, 0.15, 0.4};
  bool sweep_centres = true;
  std::vector<int> codes;  // DAC codes; empty: every code
  std::vector<int> network_boundaries = {6, 8};
  int network_macs = 4;  // MAC outputs per boundary
  std::uint64_t seed = 1;
};

// Reads them from `column` (a column recipe). Failures: UsageError naming the key for an unknown
// set, a transition outside 1..2^adc_bits - 1, a code outside the DAC's, an offset beyond +-1 LSB,
// a count below 1. Thread-safety: pure.
VectorSets ReadVectorSets(const characterize::Recipe& column, int adc_bits, int dac_bits);

struct ValidationVector {
  VectorSet set = VectorSet::kSweep;
  characterize::benches::ColumnVector op;  // per row W and DAC code
  std::vector<std::int64_t> rows_at_code;  // W = 1 rows per DAC code
  double ideal_lsb = 0.0;                  // the ideal line (IdealLsb)
  int dac_code = -1;                       // codes: the code
  std::string label;                       // e.g. "T3-0.15", "bin 2", "code 7", "B8 mac 1 w5"
};

// One multi-bit MAC output of the network set: its exact value, its exact digital part and its
// analog ops, which a side's codes turn into the composed output (ComposeMac).
struct MacOutput {
  int boundary = 0;
  int mac = 0;  // index within its boundary
  std::int64_t layer_vector = 0;
  int layer_output = 0;
  int tile = 0;
  double ideal = 0.0;            // the tile's exact dot product
  double digital = 0.0;          // its orders >= B_D/A, exact
  std::vector<std::size_t> ops;  // indices of its analog ops among the vectors
  // An op's value is op_scale[k] * MacArray::CodeFraction(code): sign_i 2^(i + j_lo) times the
  // subword units of a full-scale code (rows (2^d - 1) / 2^(d - n)), as the model reads back.
  std::vector<double> op_scale;
};

struct Vectors {
  std::vector<ValidationVector> vectors;
  std::vector<MacOutput> macs;
  // The variance of the exact tile outputs over the layer (the SNR's signal), and how many
  // outputs it was taken over.
  double signal_variance = 0.0;
  long long signal_outputs = 0;
  std::string layer;  // the layer's description
  std::vector<std::string> notes;
};

// Builds the sets for `macro` (the tables at the column's operating point). `layer` is needed
// for the network set (activations 0..2^a - 1, weights of its stated width and sign).
// Failures: UsageError for a network set without a layer, a layer whose row tiles do not fit the
// macro, or a boundary outside the layer's 1 .. a + w - 1 that leaves no analog op.
// Thread-safety: pure.
Vectors BuildVectors(const calib::Macro& macro,
                     const VectorSets& sets,
                     const network::LayerData* layer);

// The ideal line of a vector in ADC LSB: the ideal fraction x = sum(W code) / (rows (2^d - 1))
// placed on the converter's window through the macro's uniform-code line transfer.
// Failures: none. Thread-safety: pure.
double IdealLsb(const calib::Macro& macro, const std::vector<std::int64_t>& rows_at_code);

// The composed output of `mac` from one instance's codes (codes[v] for every vector; -1 failed):
// its digital part plus each analog op read back as the model does. NaN when an op failed.
// `readback` is any MacArray of the macro (CodeFraction does not depend on the chip).
// Failures: UsageError for a code outside the ADC's. Thread-safety: pure.
double ComposeMac(const MacOutput& mac,
                  const std::vector<int>& codes,
                  const mac::MacArray& readback);

}  // namespace cimchar::validate
