#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "netlist/devices.h"

namespace cimchar::variation {

// Local mismatch coefficients (Pelgrom's law). Defaults are published 65 nm figures:
// - A_VT = 3.5 mV·µm for the threshold difference of a device pair (Pelgrom, TWEPP 2013;
//   Jespers & Murmann 2017);
// - A_β = 1.5 %·µm for the current-factor difference of a pair (range 1–2 %·µm, same sources);
// - capacitors: σ(C)/C = 0.66 % / √(C / 1 fF) (Kavishwar & Shanbhag 2025).
// A pair's difference has √2 times the σ of one device, so one device gets
// σ(ΔVth) = A_VT / √(2·W·L·mult) and σ(Δβ/β) = A_β / √(2·W·L·mult).
struct MismatchOptions {
  double avt_pair_v_um = 3.5e-3;         // V·µm
  double abeta_pair_um = 1.5e-2;         // (relative)·µm
  double cap_sigma_rel_at_1ff = 0.0066;  // relative σ of a 1 fF capacitor
  bool mos = true;                       // perturb transistors
  bool capacitors = true;                // perturb capacitors
  double scale = 1.0;                    // multiplies every σ (0 turns mismatch off)
};

// One device's drawn deviation.
struct Deviation {
  const netlist::Device* device = nullptr;
  double delvto_v = 0.0;  // MOS: threshold shift, volts
  double mulu0 = 1.0;     // MOS: mobility (current factor) multiplier
  double c_f = 0.0;       // capacitor: perturbed value, farads
};

// σ of one device's threshold shift (V) and relative current factor, from its geometry.
double SigmaVth(const netlist::Device& d, const MismatchOptions& o);
double SigmaBeta(const netlist::Device& d, const MismatchOptions& o);
double SigmaCapRel(const netlist::Device& d, const MismatchOptions& o);

// Draws every device's deviation for one Monte Carlo sample. The values depend only on
// (master_seed, sample, device name), never on order or on other devices. Thread-safe.
// Throws cimchar::UsageError for negative coefficients.
std::vector<Deviation> DrawMismatch(const std::vector<netlist::Device>& devices,
                                    const MismatchOptions& options,
                                    std::uint64_t master_seed,
                                    std::uint64_t sample);

// The ngspice commands that apply the deviations to a loaded circuit, e.g.
// "alter @m.xr0.mpd1[delvto]=0.0021". Numbers are rendered at full precision.
std::vector<std::string> AlterCommands(const std::vector<Deviation>& deviations);

}  // namespace cimchar::variation
