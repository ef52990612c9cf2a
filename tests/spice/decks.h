#pragma once

// Decks shared by the spice tests: a PTM 65 nm BSIM4 inverter and the failure cases.

#include <string>

#ifndef CIMCHAR_SPICE_TEST_DATA
#error "CIMCHAR_SPICE_TEST_DATA must name tests/spice/data"
#endif

namespace cimchar::spice::testing {

inline std::string ModelInclude() {
  return std::string(".include ") + CIMCHAR_SPICE_TEST_DATA + "/ptm65_bulk.sp\n";
}

constexpr double kVdd = 1.2;

// A minimum-size 65 nm inverter (PMOS twice as wide) with `load_f` on its output.
inline std::string InverterDeck(const std::string& input_source, double load_f = 2e-15) {
  return "cmos inverter, PTM 65nm bulk\n" + ModelInclude() +
         "vdd vdd 0 1.2\n"
         "vin in 0 " +
         input_source +
         "\n"
         "mp out in vdd vdd ptm65p w=400e-9 l=65e-9\n"
         "mn out in 0 0 ptm65n w=200e-9 l=65e-9\n"
         "cl out 0 " +
         std::to_string(load_f) +
         "\n"
         ".end\n";
}

// Each bad deck, with what its message must contain.
inline std::string SyntaxErrorDeck() {
  return "syntax error\nv1 in 0 1\nr1 in out 1e3\nc1 out 0 1e-12 foo=\n.end\n";
}
inline std::string UnknownModelDeck() {
  return "unknown model\nv1 in 0 1\nm1 out in 0 0 nosuchmodel w=1e-6 l=65e-9\nr1 out 0 1e3\n.end\n";
}
inline std::string MissingIncludeDeck() {
  return "missing include\n.include /nonexistent/cimchar/models.lib\nv1 in 0 1\nr1 in 0 "
         "1e3\n.end\n";
}
inline std::string UnknownSubcircuitDeck() {
  return "unknown subcircuit\nv1 in 0 1\nx1 in 0 nosuchcell\nr1 in 0 1e3\n.end\n";
}

// A behavioural source with no solution once the input rises: ngspice reports "Timestep too
// small" and aborts the transient.
inline std::string NonConvergentDeck() {
  return "no solution\n"
         "v1 in 0 pulse(0 1 1e-9 1e-12 1e-12 1e-9 2e-9)\n"
         "b1 out 0 v = v(in) > 0.5 ? (v(out) > 0.5 ? 0 : 1) : 0\n"
         "r1 out 0 1e3\n"
         ".end\n";
}

// A small RC circuit; `tran 1e-15 1` on it runs for hours (10^15 time points).
inline std::string RcDeck(double r_ohm = 1e3) {
  return "rc\nv1 in 0 pulse(0 1 1e-9 1e-10 1e-10 5e-9 1e-8)\nr1 in out " + std::to_string(r_ohm) +
         "\nc1 out 0 1e-12\n.end\n";
}

}  // namespace cimchar::spice::testing
