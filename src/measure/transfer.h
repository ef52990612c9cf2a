#pragma once

#include <span>
#include <vector>

namespace cimchar::measure {

// Static figures of transfer curves (ADC, DAC, charge-sharing line) and of an SRAM butterfly.
// Pure and thread-safe; each function throws cimchar::Error naming itself for inputs it cannot
// measure (too few points, mismatched lengths, non-monotonic where monotonic is required).

// Least-squares line through (x, y).
struct LineFit {
  double slope = 0.0;
  double intercept = 0.0;
  double max_abs_residual = 0.0;  // largest |y - fit|, units of y
  double rms_residual = 0.0;
};
LineFit FitLine(std::span<const double> x, std::span<const double> y);

// True when y never decreases (strictly increases when `strict`).
bool IsMonotonic(std::span<const double> y, bool strict = false);

// Linearity of an ADC from its transition levels: transitions[k] is the input at which the code
// changes from k to k+1 (k = 0 .. 2^bits - 2). DNL and INL in LSB with the end-point definition:
// LSB = (T_last - T_first) / (2^bits - 2); DNL[k] = (T[k+1] - T[k]) / LSB - 1 for the inner
// codes k = 1 .. 2^bits - 2; INL[k] = (T[k] - T_first) / LSB - (k) for every transition.
struct AdcLinearity {
  double lsb = 0.0;  // units of the input
  std::vector<double> dnl_lsb;
  std::vector<double> inl_lsb;
  double max_abs_dnl_lsb = 0.0;
  double max_abs_inl_lsb = 0.0;
};
AdcLinearity AdcLinearityFromTransitions(std::span<const double> transitions);

// Transition levels from a swept-input record: codes[i] is the code measured at input x[i]
// (x increasing). Transition k is placed midway between the last input giving a code <= k and
// the first giving a code > k. Returns one level per code step 0 .. max_code - 1; a code that
// never appears gives coinciding levels (DNL = -1, a missing code). Throws when x is not
// increasing or codes are not monotonic.
std::vector<double> TransitionLevels(std::span<const double> x,
                                     std::span<const long long> codes,
                                     long long max_code);

// Static noise margin of an SRAM cell from its butterfly curves: curve A is out_a = f_a(in)
// sampled at the inputs `in`, curve B is out_b = f_b(in) for the other half, and the butterfly
// is curve A together with curve B mirrored about y = x. Returns the side of the largest square
// that fits in the smaller lobe (Seevinck's method: both curves rotated by 45 degrees, largest
// distance along the diagonal / sqrt(2)), in volts. Both halves must be inverting.
struct Snm {
  double snm_v = 0.0;        // min of the two lobes
  double lobe_high_v = 0.0;  // lobe with out_a high (upper-left)
  double lobe_low_v = 0.0;   // lobe with out_a low (lower-right)
};
Snm ButterflySnm(std::span<const double> in,
                 std::span<const double> out_a,
                 std::span<const double> out_b);

}  // namespace cimchar::measure
