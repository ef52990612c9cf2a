#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cimchar::netlist {

// One primitive device of a flattened deck that Monte Carlo may perturb.
struct Device {
  enum class Kind { kMos, kCapacitor };
  Kind kind = Kind::kMos;
  std::string name;   // ngspice's flattened instance name, lower case: "m.xrow3.xc0.mpd1"
  std::string model;  // MOS model name as written (e.g. "nch"); empty for capacitors
  double w_m = 0.0;   // MOS: drawn width per finger, metres
  double l_m = 0.0;   // MOS: drawn length, metres
  double mult = 1.0;  // MOS: m × nf (parallel devices); capacitors: m
  double c_f = 0.0;   // capacitors: nominal value, farads
};

// Lists every MOS transistor and capacitor of a rendered deck, expanding subcircuit instances
// the way ngspice names them, in deck order (deterministic). A subcircuit the deck does not
// define is looked up in the library sections it loads (`.lib FILE SECTION`): a transistor an
// open PDK wraps in a subcircuit (`xmpd ... nfet w= l=`) is listed as the MOSFET inside it
// ("m.xrow3.xmpd.m0", with the W and L the wrapper gives it). W, L and C must be numbers (SPICE
// suffixes allowed) or names of subcircuit parameters that resolve to numbers.
// Throws cimchar::Error naming the deck or library line for an unknown subcircuit, a recursion,
// or a size that cannot be evaluated, and the errors of ReadLibrarySection. Thread-safe.
std::vector<Device> EnumerateDevices(std::string_view deck);

// Parses a SPICE number with an optional scale suffix (f p n u m k meg g t; case-insensitive,
// trailing unit letters ignored as SPICE does). Returns false when `text` is not a number.
bool ParseSpiceNumber(std::string_view text, double& value);

}  // namespace cimchar::netlist
