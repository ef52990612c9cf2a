#pragma once

// Shared by the circuit benches: one ngspice session per process, bench rendering with the
// PDK bindings, and reporting of measured figures.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/paths.h"
#include "netlist/pdk.h"
#include "netlist/template.h"
#include "spice/engine.h"
#include "spice/ngspice_session.h"

namespace cimchar::circuits_test {

// The supplies every bench runs at (tt corner).
inline const std::vector<double>& Supplies() {
  static const std::vector<double> v = {1.0, 0.6};
  return v;
}

inline spice::NgspiceSession& Session() {
  static spice::NgspiceSession session;
  return session;
}

// Renders netlists/benches/<bench> with the PDK bound for `corner`.
inline std::string RenderBench(const std::string& bench,
                               netlist::Bindings bindings,
                               const std::string& corner = "tt",
                               const netlist::Pdk& pdk = {}) {
  netlist::BindPdk(pdk, corner, {}, bindings);
  return netlist::RenderFile(core::NetlistsDir() / "benches" / bench, bindings);
}

// Runs a job; on failure the deck is written to $CIMCHAR_KEEP_DECKS/<tag>.sp (when set) and
// the test fails with ngspice's message.
inline spice::RunResult RunBench(const std::string& tag,
                                 const std::string& deck,
                                 std::vector<std::string> commands,
                                 std::vector<std::string> vectors,
                                 double timeout_s = 240.0) {
  spice::Job job{.deck = deck,
                 .commands = std::move(commands),
                 .vectors = std::move(vectors),
                 .timeout_s = timeout_s,
                 .reuse_circuit = false};
  spice::RunResult r = Session().Run(job);
  if (const char* dir = std::getenv("CIMCHAR_KEEP_DECKS"); dir != nullptr) {
    std::ofstream(std::string(dir) + "/" + tag + ".sp") << deck;
  }
  EXPECT_TRUE(r.ok()) << tag << ": " << spice::OutcomeName(r.outcome) << ": " << r.message;
  return r;
}

// Prints a measured figure and records it as a test property ("<key>" = value in `unit`).
inline void Report(const std::string& key, double value, const std::string& unit) {
  ::testing::Test::RecordProperty(key + "_" + unit, netlist::FormatNumber(value));
  std::printf("[report] %-44s %12.5g %s\n", key.c_str(), value, unit.c_str());
  std::fflush(stdout);
}

// "vdd1.0" style tag for keys.
inline std::string VddTag(double vdd_v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "vdd%.2g", vdd_v);
  return buf;
}

// A PWL source value holding `levels[k]` during [k*t_step, (k+1)*t_step), with edges t_edge.
inline std::string StepPwl(const std::vector<double>& levels, double t_step_s, double t_edge_s) {
  std::string s = "pwl(0 " + netlist::FormatNumber(levels.front());
  for (std::size_t k = 1; k < levels.size(); ++k) {
    double t = static_cast<double>(k) * t_step_s;
    s += " " + netlist::FormatNumber(t - t_edge_s) + " " + netlist::FormatNumber(levels[k - 1]) +
         " " + netlist::FormatNumber(t) + " " + netlist::FormatNumber(levels[k]);
  }
  return s + ")";
}

}  // namespace cimchar::circuits_test
