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

// SAR ADC, `bits` = 1..6, one bit decided per clock cycle (netlists/README.md explains the
// design choices):
//   .subckt sar_adc<bits> VIN SMP CLK VREF VCM B0 .. B<bits-1> VDD VSS
// - Sampling capacitor Cs = 2^bits c_unit_f / range_of_vref (plain C element `cs`): while SMP is
//   high its bottom plate follows VIN (one transmission gate) and the top plate VX is held at
//   VCM (PMOS switch, 4 um). When SMP falls the top-plate switch opens first (one gate delay),
//   the input switch five gate delays later, and only then does Cs's bottom plate go to ground
//   and the DAC leave its sampling state (break before make; both are released again as soon
//   as SMP rises).
// - Capacitor DAC: binary units 2^k c_unit_f (plain C elements cb<k>; Monte Carlo may alter
//   each, and cs) on the same top plate, bottom plates at 0 while sampling and at VREF while
//   their trial or decided bit is 1, each driven by an inverter supplied from VREF whose input
//   swings 0 .. VDD. With D the trial code and C_top the top plate's capacitance,
//   VX = VCM' - (Cs / C_top) (VIN - D c_unit_f VREF / Cs), VCM' = VCM + the top-plate switch's
//   charge injection. The comparator (netlists/blocks/strongarm.sp, cmp = 1 when VY > VX)
//   compares VX with the reference side VY: a matched capacitor (C_top) held at VCM by an
//   identical switch, so the injection and the comparator's kickback reach both inputs alike.
//   Bit k is kept when VIN > D LSB: the transition to code D lies at D * LSB,
//   LSB = range_of_vref * VREF / 2^bits (a floor quantizer over [0, range_of_vref * VREF]),
//   whatever C_top's parasitics are.
// - SAR logic (`logic`), one bit per CLK cycle: a token shift register (one flip-flop per bit,
//   clocked on falling CLK; the MSB's token is set while SMP is high) and per bit a latch that
//   is transparent while the token is at that bit and closes, holding the comparator's
//   decision of that cycle, when the token moves on. DAC bit k is at VREF while its token or
//   its bit is 1 and SMP is not sampling. After `bits` cycles B0..B<bits-1> (0 / VDD) hold the
//   code until the next SMP.
//   kTransistor: static CMOS (20-transistor flip-flops with asynchronous reset, 10-transistor
//     latches, NOR/inverter control of the DAC drivers): every gate draws from VDD.
//   kXspice: the same logic in XSPICE digital primitives with adc/dac bridges at vdd_v / 2 (the
//     DAC drivers stay transistors); it draws no supply current, so the logic's energy is not
//     in VDD's current, and it makes ngspice use trtol = 1.
// VREF and VCM are ideal sources in the benches: the charge they deliver is what a reference
// buffer supplied from VDD would draw (benches count it at VDD).
enum class SarLogic { kTransistor, kXspice };
struct SarAdcOptions {
  int bits = 3;
  double c_unit_f = 2e-15;  // DAC unit capacitor
  // The input range as a share of VREF: Cs = 2^bits c_unit_f / range_of_vref, in (0, 1].
  double range_of_vref = 1.0 / 3.0;
  double vdd_v = 1.0;  // logic levels of the XSPICE bridges (kXspice only)
  SarLogic logic = SarLogic::kTransistor;
  DeviceModels models;
};
std::string SarAdcSubckt(const SarAdcOptions& options);

// Default operating point of the converter. VREF = VDD (the DAC drivers are plain inverters
// with full gate drive at every supply) and the range [0, VDD / 3] (Cs = 3 x the DAC) covers
// the window [0, 0.5] of the charge-sharing line's full scale, about 0.67 VDD for 144 rows.
// The comparator's common mode in volts: the StrongARM's NMOS pair has a small overdrive there
// (gain, no memory of its last decision) and the PMOS top-plate switches still get 0.5 V of
// gate drive at every supply. characterization/README.md states how they were chosen.
inline constexpr double kSarVrefOfVdd = 1.0;
inline constexpr double kSarVcmV = 0.5;

// The sampling capacitor Cs = 2^bits c_unit_f / range_of_vref, the capacitance the ADC puts on
// its input while sampling (plus its input switch). Throws UsageError for bits out of 1..6,
// c_unit_f <= 0 or range_of_vref out of (0, 1].
double SamplingCapacitance(const SarAdcOptions& options);

// The ADC's output nodes for an instance line: "b0 b1 ... b<bits-1>".
std::string SarAdcPorts(int bits);

// Timing of back-to-back conversions (bench netlists/benches/sar_adc.sp): each conversion lasts
// SarConversionTime = t_sample + (bits + 1) * t_clk; SMP is high for its first t_sample; CLK
// rises at t_sample + (k + 1/2) t_clk and falls at t_sample + (k + 1) t_clk, k = 0 .. bits-1.
// The code is valid from t_sample + bits * t_clk until the conversion ends.
double SarConversionTime(int bits, double t_sample_s, double t_clk_s);
// The CLK source value for `conversions` back-to-back conversions, edges t_edge_s long: one
// explicit PWL (ngspice sets a breakpoint at every corner, so the step need not resolve the
// edges by itself; a repeated PWL, r=0, gets none after its first period).
std::string SarClockPwl(
    int bits, double vdd_v, double t_sample_s, double t_clk_s, double t_edge_s, int conversions);
// The SMP source value: high (vdd_v) for t_sample_s at the start of each conversion.
std::string SarSamplePwl(
    int bits, double vdd_v, double t_sample_s, double t_clk_s, double t_edge_s, int conversions);

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
