#pragma once

#include <string>
#include <vector>

namespace cimchar::measure {

// Netlist text for the blocks whose structure depends on a parameter (bit count, row count),
// bound into a bench template as text (netlist::Bindings::SetText; the renderer inserts text
// bindings verbatim, so the text names the PDK's models itself: pass the netlist::Pdk's
// nmos/pmos names). Values are plain SI numbers. Pure and thread-safe; each function throws
// cimchar::UsageError for a parameter out of range, naming it.

// The MOS model names generated text uses (netlist::Pdk::nmos / pmos).
struct DeviceModels {
  std::string nmos = "nch";
  std::string pmos = "pch";
};

// Activation DAC, `bits` = 1..4: a switch matrix (binary tree of transmission-gate 2:1
// multiplexers, one level per bit, LSB first) that connects one of 2^bits reference voltages
// to the output:
//   .subckt act_dac<bits> D0 .. D<bits-1> REF0 .. REF<2^bits-1> OUT VDD VSS
// D0 is the least significant activation bit (VDD = 1); OUT = REF<code>. TG sizes NMOS 400n,
// PMOS 800n, L=65n; one inverter (200n/400n) per bit makes the complement.
std::string ActivationDacSubckt(int bits, const DeviceModels& models = {});

// Ideal reference ladder for the DAC: voltage sources `<prefix><j> <prefix><j> 0 <v>` with
// v = j * v_full_scale / (2^bits - 1), so code 0 gives 0 V and the full code gives
// v_full_scale. Throws UsageError for bits out of 1..4 or a negative full scale.
std::string DacReferenceSources(int bits, double v_full_scale_v, const std::string& prefix = "ref");

// The reference voltage of one code on that ladder.
double DacLevel(int bits, int code, double v_full_scale_v);

// SAR ADC, `bits` = 1..6, one bit decided per clock cycle:
//   .subckt sar_adc<bits> VIN SMP CLK VREF VCMP B0 .. B<bits-1> VDD VSS
// - Top-plate sampling: while SMP is high a transmission gate connects VIN to the capacitor
//   array's top plate VX and every bottom plate is at 0 V.
// - Capacitor DAC: unit capacitors c_unit_f, binary weights 2^k for bit k plus one dummy unit
//   (bottom at VSS), plain C elements cb<k> / cdum (Monte Carlo may alter each).
// - After SMP falls, the bottom plate of bit k is at VREF when its trial/decided bit is 0 and at
//   0 V when it is 1, so VX = VIN + (2^bits - 1 - D) * g * VREF / 2^bits with g the array's share
//   of the top-plate capacitance; the comparator (strongarm, netlists/blocks/strongarm.sp)
//   decides VX > VCMP on each rising CLK edge. With VCMP = (2^bits - 1.5) * g * VREF / 2^bits
//   the code changes at (D - 0.5) LSB (LSB = g * VREF / 2^bits).
// - SAR logic in XSPICE digital (d_dff, d_and, d_or, d_inverter with adc/dac bridges at
//   vdd_v/2): a one-hot token starts at the MSB when SMP is high and moves one bit down on each
//   falling CLK edge, when the comparator's decision is stored in the bit holding the token.
//   After `bits` clock cycles B0..B<bits-1> (0 / vdd_v) hold the code.
// - Bottom-plate drivers are inverters supplied from VREF (switching energy is drawn from VREF).
// The XSPICE logic draws no supply current: the SAR-logic energy is not in the measured figure.
struct SarAdcOptions {
  int bits = 3;
  double c_unit_f = 5e-15;  // unit capacitor
  double vdd_v = 1.0;       // logic levels of the bridges
  DeviceModels models;
};
std::string SarAdcSubckt(const SarAdcOptions& options);

// The ADC's output nodes for an instance line: "b0 b1 ... b<bits-1>".
std::string SarAdcPorts(int bits);

// Timing of back-to-back conversions (bench netlists/benches/sar_adc.sp): each conversion lasts
// SarConversionTime = t_sample + (bits + 1) * t_clk; SMP is high for its first t_sample; CLK
// rises at t_sample + (k + 1/2) t_clk and falls at t_sample + (k + 1) t_clk, k = 0 .. bits-1.
// The code is valid from t_sample + bits * t_clk until the conversion ends.
double SarConversionTime(int bits, double t_sample_s, double t_clk_s);
// The CLK source value: a PWL of one conversion repeated (r=0), edges t_edge_s long.
std::string SarClockPwl(int bits, double vdd_v, double t_sample_s, double t_clk_s, double t_edge_s);
// The SMP source value: high (vdd_v) for t_sample_s at the start of each conversion.
std::string SarSamplePwl(
    int bits, double vdd_v, double t_sample_s, double t_clk_s, double t_edge_s);

// The DAC's ports for an instance line: "d0 .. d<bits-1> <ref_prefix>0 .. <ref_prefix><2^bits-1>"
// with the bit nodes named <bit_prefix>k.
std::string ActivationDacPorts(int bits,
                               const std::string& bit_prefix = "d",
                               const std::string& ref_prefix = "ref");

// One row of a charge-sharing line as the bench sees it.
struct LineRow {
  std::string gbl;  // node carrying the row's activation voltage (e.g. a DAC output)
  bool weight = false;
  // Value of the row's LBL source when not empty (e.g. a PWL changing W from cycle to cycle);
  // otherwise LBL is held at the supply node (weight) or 0.
  std::string lbl_source;
};

// The rows of a charge-sharing line (netlists/blocks/cs_line.sp), for a bench's {{rows}} text:
// per row r an `x<prefix>r<r>` cs_row instance on the shared nodes SMP SMPB SH SHB `line` and a
// source `vw<prefix><r>` driving the row's LBL: row.lbl_source when given, else tied to
// `vdd_node` (W = 1) or 0 (W = 0). Node names: `lbl<prefix><r>`.
std::string ChargeLineRows(const std::vector<LineRow>& rows,
                           const std::string& line_node = "line",
                           const std::string& vdd_node = "vdd",
                           const std::string& prefix = "");

}  // namespace cimchar::measure
