#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "characterize/bench.h"
#include "measure/block_netlists.h"
#include "netlist/template.h"
#include "spice/engine.h"

namespace cimchar::characterize::benches {

// Helpers shared by the bench drivers. Pure and thread-safe unless stated.

// Boltzmann constant, J/K.
inline constexpr double kBoltzmann = 1.380649e-23;

// kT at a temperature in degrees Celsius, J.
double KT(double temp_c);

// Input-referred noise (V rms) of a StrongARM latch's integration phase: sqrt(2 gamma kT V_ov /
// (V_th C_x)), gamma = 1 (short channel), V_ov = max(vcm - V_th, 0.05 V), C_x the integration
// node's capacitance (the SAR's and the comparator readout's noise estimate).
double StrongArmNoiseV(double temp_c, double vcm_v, double vth_v, double c_x_f);

// Renders `file` (relative to a netlist folder, e.g. "benches/sar_adc.sp", found in the
// recipe's folders first, then in the project's netlists/) with the PDK bound for the corner.
// Appends the files the deck depends on to `inputs`. Throws cimchar::Error (missing file,
// unbound placeholder) or UsageError (unknown corner).
std::string RenderBenchFile(const Recipe& recipe,
                            const std::string& file,
                            const std::string& corner,
                            netlist::Bindings bindings,
                            std::vector<std::filesystem::path>& inputs);

// As RenderBenchFile for template text written by a driver; relative includes resolve from
// the project's (or the first user folder's) benches/ folder.
std::string RenderBenchText(const Recipe& recipe,
                            const std::string& text,
                            const std::string& origin,
                            const std::string& corner,
                            netlist::Bindings bindings,
                            std::vector<std::filesystem::path>& inputs);

// The recipe's model names for generated netlist text.
measure::DeviceModels Models(const Recipe& recipe);

// A bench key that must be a number inside [lo, hi] (inclusive); `what` names the unit in the
// message. Throws UsageError naming the key and the allowed range.
double RangedNumber(const Recipe& r,
                    const std::string& key,
                    double fallback,
                    double lo,
                    double hi,
                    const std::string& unit);
int RangedInt(const Recipe& r, const std::string& key, int fallback, int lo, int hi);
// The SAR ADC's logic key: "transistor" (default) or "xspice". Throws UsageError otherwise.
measure::SarLogic SarLogicKey(const Recipe& r, const std::string& key);

// A vector of a finished run; throws cimchar::Error naming it when it is missing or empty.
std::span<const double> Vec(const spice::RunResult& run, const std::string& name);

// Energy a driver supplied from `vdd_v` spends to source the current the ideal source `i`
// delivers (ngspice sign: current into the + terminal) over [t0, t1]: vdd_v times the charge
// the source pushes out of its + terminal (returned charge is not credited, as a CMOS driver
// dissipates it). Used for clock and control lines driven by ideal sources.
double DriverEnergy(
    std::span<const double> t, std::span<const double> i, double vdd_v, double t0, double t1);

// The record column a bench writes a per-code quantity's value at `code` in: the quantity's name
// after its bench prefix, then "_<code>" ("adc/transition_v", 3 -> "transition_v_3";
// calib::schema::ColumnOf). Failures: none.
std::string CodeColumn(std::string_view quantity, int code);

// "name0 name1 ..." style list helpers.
std::vector<std::string> Numbered(const std::string& prefix, int count, int first = 0);

// A PWL source value through the (time, value) points given, "pwl(t0 v0 t1 v1 ...)".
std::string Pwl(const std::vector<std::pair<double, double>>& points);

}  // namespace cimchar::characterize::benches
