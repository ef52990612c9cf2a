#pragma once

// The analog chain of one column as the macro runs it (netlists/benches/analog_chain.sp and the
// column deck): HCIMA units whose cells hold the weights, one activation DAC per row on its GBL,
// A_MULT sampling, the share switches and the charge-sharing line. Shared by the apath bench
// (the table) and the column bench (the validation), so both simulate one circuit.

#include <cstdint>
#include <string>
#include <vector>

#include "characterize/bench.h"
#include "measure/block_netlists.h"
#include "netlist/template.h"

namespace cimchar::characterize::benches {

// One analog op: which cell of every unit is read (its stored bit is the row's W) and every
// row's DAC code.
struct ChainOp {
  int cell = 0;
  std::vector<int> codes;  // per row
};

// The phases of one op; `convert` is the time after sharing the ADC takes (0 without an ADC).
struct ChainTiming {
  double precharge = 0, sample = 0, share = 0, convert = 0, edge = 0;
  // precharge, edge, sample, 2 edges, share, edge, convert.
  double Period() const { return precharge + sample + share + convert + 4 * edge; }
  double SampleOn() const { return precharge + edge; }       // AWL and SMP rise
  double SampleOff() const { return SampleOn() + sample; }   // and fall
  double ShareOn() const { return SampleOff() + 2 * edge; }  // SH rises
  double ShareOff() const { return ShareOn() + share; }      // and falls
};

// One validation input vector: per row W and DAC code.
struct ColumnVector {
  std::vector<int> weight;  // 0 or 1 per row
  std::vector<int> code;    // 0 .. 2^dac_bits - 1 per row
};

// Vector k of batch `batch` with input seed `seed`: per row W ~ Bernoulli(1/2) and a code
// uniform over the DAC's codes (what a full analog window of uniform activations and weights
// applies, the distribution cimchar snr uses by default), each bit a counter-based draw of
// (seed, batch, k, row). Failures: none. Thread-safety: pure.
ColumnVector ColumnVectors(std::uint64_t seed, int batch, int k, int rows, int dac_bits);

// The column recipe's keys (without the "column." prefix) that describe how cimchar validate
// builds the bench's vector list from the tables (src/validate/vectors.h reads them; the bench
// accepts them and converts what column.ops lists). Failures: none.
std::vector<std::string> ColumnSetKeys();

// The column bench's vector list as recipe text (the `column.ops` key): one word per vector,
// one character per row, the base-32 digit 16 W + code ("0".."9", "a".."v"). Failures:
// UsageError for a vector whose rows differ in number from the first's, a W other than 0/1 or a
// code outside 0..15. Thread-safety: pure.
std::string EncodeColumnVectors(const std::vector<ColumnVector>& vectors);
// The list back; every word must have `rows` characters and codes below 2^dac_bits.
// Failures: UsageError naming `key`, the word's index and the offending character.
// Thread-safety: pure.
std::vector<ColumnVector> DecodeColumnVectors(const std::string& text,
                                              int rows,
                                              int dac_bits,
                                              const std::string& key);

// The column's SAR ADC as the chain has it: its keys are the adc bench's (characterization/
// adc.ini: adc_bits, adc_c_unit, adc_vref as a share of VDD, adc_range_of_vref, adc_vcm in volts,
// adc_logic) under the chain bench's prefix, with the same defaults, so the line is loaded by,
// and the column converts with, the ADC the adc table describes.
struct ChainAdc {
  int bits = 3;
  double c_unit_f = 0.0;
  double vref_of_vdd = 0.0;    // VREF / VDD
  double range_of_vref = 0.0;  // input range / VREF
  double vcm_v = 0.0;          // comparator common mode, V
  measure::SarLogic logic = measure::SarLogic::kTransistor;
  // The subcircuit's options at a supply.
  measure::SarAdcOptions Options(double vdd_v, const measure::DeviceModels& models) const;
};

class AnalogChain {
 public:
  static constexpr int kCells = 8;  // cells per HCIMA unit (netlists/cells/hcima.sp)

  // Reads the chain's keys of `recipe` (names in Keys(), under the recipe's bench prefix).
  // Failures: UsageError naming a key out of range.
  explicit AnalogChain(const Recipe& recipe);

  // The keys this class reads.
  static std::vector<std::string> Keys();

  int rows() const { return rows_; }
  int columns() const { return columns_; }
  int dac_bits() const { return dac_bits_; }
  double c_sample_f() const { return c_sample_f_; }
  double c_line_f() const { return c_line_f_; }
  const ChainAdc& adc() const { return adc_; }
  double c_gbl_f() const { return c_gbl_f_; }
  double edge_s() const { return edge_s_; }
  // Timing at a supply (the *_low_vdd keys at or below 0.8 V), with `convert` added.
  ChainTiming TimingAt(double vdd_v, double convert_s = 0.0) const;
  // The resolved keys for provenance ("<bench>.rows" -> "144", ...).
  std::vector<std::pair<std::string, std::string>> Parameters(const std::string& bench) const;

  // Binds {{c_sample}}, {{c_line}}, {{dac}}, {{refs}}, {{controls}} and {{rows}} for
  // `ops` run back to back, the cells of row r holding the bits of weights[r] (bit k: cell k),
  // and the ADC's placeholders (BindAdc).
  void Bind(netlist::Bindings& b,
            double vdd_v,
            const ChainTiming& tm,
            const std::vector<ChainOp>& ops,
            const std::vector<unsigned>& weights,
            const measure::DeviceModels& models) const;

  // Binds the ADC's placeholders for `ops` ops: {{adc}} (the subcircuit), {{bits}}, {{adc_bits}}
  // (its output nodes), {{vref}}, {{vcm}} and {{asmp}}, its SMP source: high (sampling the line)
  // from each op's start until two edges before SH falls, so it holds the shared line.
  void BindAdc(netlist::Bindings& b,
               double vdd_v,
               const ChainTiming& tm,
               std::size_t ops,
               const measure::DeviceModels& models) const;

  // The control sources whose currents carry the control lines' driver energy.
  static std::vector<std::string> ControlNames();

 private:
  std::string Controls(double vdd_v, const ChainTiming& tm, const std::vector<ChainOp>& ops) const;
  std::string Rows(double vdd_v,
                   const ChainTiming& tm,
                   const std::vector<ChainOp>& ops,
                   const std::vector<unsigned>& weights,
                   const measure::DeviceModels& m) const;

  int rows_ = 144;
  int columns_ = 8;
  int dac_bits_ = 4;
  double c_sample_f_ = 0, c_line_f_ = 0, c_gbl_f_ = 0, edge_s_ = 0;
  ChainAdc adc_;
  ChainTiming fast_, slow_;
};

}  // namespace cimchar::characterize::benches
