#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace cimchar::measure {

// Measurements on sampled waveforms (SI units throughout: seconds, volts, amperes, joules).
// A waveform is a pair of equally long spans: strictly increasing `t` and the values `y`.
// Between samples a waveform is linear (what ngspice's transient output means).
// Every function throws cimchar::Error naming the measurement when the spans differ in length,
// hold fewer than two points, `t` is not increasing, or a window/time lies outside `t`.
// All functions are pure and thread-safe.

// Linear interpolation of y at time `at`.
double ValueAt(std::span<const double> t, std::span<const double> y, double at);

// Time average of y over [t0, t1] (trapezoidal, exact for piecewise-linear y): the settled
// value of a node over a window at the end of a phase.
double MeanOver(std::span<const double> t, std::span<const double> y, double t0, double t1);

// max(y) - min(y) over [t0, t1], interpolated end points included: how settled a node is.
double RippleOver(std::span<const double> t, std::span<const double> y, double t0, double t1);

// ∫ y dt over [t0, t1] (trapezoidal on the samples, with the window ends interpolated).
double Integral(std::span<const double> t, std::span<const double> y, double t0, double t1);

// Energy a supply delivers over [t0, t1]: ∫ v(t)·i(t) dt with i the current flowing OUT of the
// supply's positive terminal into the circuit. ngspice reports a voltage source's current
// flowing into its positive terminal, so pass `sign = -1` for `i(vdd)` vectors.
double SupplyEnergy(std::span<const double> t,
                    std::span<const double> v,
                    std::span<const double> i,
                    double t0,
                    double t1,
                    double sign = -1.0);
// The same for a constant supply voltage.
double SupplyEnergy(std::span<const double> t,
                    double v,
                    std::span<const double> i,
                    double t0,
                    double t1,
                    double sign = -1.0);

enum class Edge { kRising, kFalling, kEither };

// Times where y crosses `threshold` in the given direction, interpolated, in order. A sample
// exactly on the threshold counts once.
std::vector<double> Crossings(std::span<const double> t,
                              std::span<const double> y,
                              double threshold,
                              Edge edge = Edge::kEither);

// Digital code from node voltages sampled at one time: bit k is 1 when v[k] > threshold
// (typically VDD/2); bits[0] is the least significant. Returns sum bit_k * 2^k.
// Throws cimchar::Error when more than 62 bits are given.
long long CodeFromLevels(std::span<const double> levels_v, double threshold_v);

}  // namespace cimchar::measure
