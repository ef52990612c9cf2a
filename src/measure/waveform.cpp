#include "measure/waveform.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/error.h"

namespace cimchar::measure {
namespace {

void Check(std::span<const double> t, std::span<const double> y, const char* what) {
  if (t.size() != y.size()) {
    throw Error(std::string(what) + ": time and value vectors differ in length (" +
                std::to_string(t.size()) + " vs " + std::to_string(y.size()) + ")");
  }
  if (t.size() < 2) {
    throw Error(std::string(what) + ": a waveform needs at least two points");
  }
  for (std::size_t k = 1; k < t.size(); ++k) {
    if (!(t[k] > t[k - 1])) {
      throw Error(std::string(what) + ": time is not strictly increasing at index " +
                  std::to_string(k));
    }
  }
}

void CheckWindow(std::span<const double> t, double t0, double t1, const char* what) {
  if (!(t0 <= t1) || t0 < t.front() || t1 > t.back()) {
    char text[256];
    std::snprintf(text, sizeof text,
                  "%s: window [%.9g, %.9g] s is not inside the waveform [%.9g, %.9g] s", what, t0,
                  t1, t.front(), t.back());
    throw Error(text);
  }
}

// Index k with t[k] <= at < t[k+1] (k = size-2 when at == t.back()).
std::size_t Segment(std::span<const double> t, double at) {
  auto it = std::upper_bound(t.begin(), t.end(), at);
  std::size_t k = static_cast<std::size_t>(it - t.begin());
  return std::clamp<std::size_t>(k == 0 ? 0 : k - 1, 0, t.size() - 2);
}

double Interp(std::span<const double> t, std::span<const double> y, double at) {
  std::size_t k = Segment(t, at);
  double f = (at - t[k]) / (t[k + 1] - t[k]);
  return y[k] + f * (y[k + 1] - y[k]);
}

// Piecewise-linear samples of y restricted to [t0, t1], end points interpolated.
void Clip(std::span<const double> t,
          std::span<const double> y,
          double t0,
          double t1,
          std::vector<double>& tc,
          std::vector<double>& yc) {
  tc.clear();
  yc.clear();
  tc.push_back(t0);
  yc.push_back(Interp(t, y, t0));
  for (std::size_t k = 0; k < t.size(); ++k) {
    if (t[k] > t0 && t[k] < t1) {
      tc.push_back(t[k]);
      yc.push_back(y[k]);
    }
  }
  if (t1 > t0) {
    tc.push_back(t1);
    yc.push_back(Interp(t, y, t1));
  }
}

}  // namespace

double ValueAt(std::span<const double> t, std::span<const double> y, double at) {
  Check(t, y, "ValueAt");
  CheckWindow(t, at, at, "ValueAt");
  return Interp(t, y, at);
}

double Integral(std::span<const double> t, std::span<const double> y, double t0, double t1) {
  Check(t, y, "Integral");
  CheckWindow(t, t0, t1, "Integral");
  std::vector<double> tc;
  std::vector<double> yc;
  Clip(t, y, t0, t1, tc, yc);
  double sum = 0.0;
  for (std::size_t k = 1; k < tc.size(); ++k) {
    sum += 0.5 * (yc[k] + yc[k - 1]) * (tc[k] - tc[k - 1]);
  }
  return sum;
}

double MeanOver(std::span<const double> t, std::span<const double> y, double t0, double t1) {
  Check(t, y, "MeanOver");
  CheckWindow(t, t0, t1, "MeanOver");
  if (t1 == t0) {
    return Interp(t, y, t0);
  }
  return Integral(t, y, t0, t1) / (t1 - t0);
}

double RippleOver(std::span<const double> t, std::span<const double> y, double t0, double t1) {
  Check(t, y, "RippleOver");
  CheckWindow(t, t0, t1, "RippleOver");
  std::vector<double> tc;
  std::vector<double> yc;
  Clip(t, y, t0, t1, tc, yc);
  auto [lo, hi] = std::minmax_element(yc.begin(), yc.end());
  return *hi - *lo;
}

double SupplyEnergy(std::span<const double> t,
                    std::span<const double> v,
                    std::span<const double> i,
                    double t0,
                    double t1,
                    double sign) {
  Check(t, v, "SupplyEnergy (voltage)");
  Check(t, i, "SupplyEnergy (current)");
  CheckWindow(t, t0, t1, "SupplyEnergy");
  // v·i is quadratic between samples; integrate it exactly for linear v and i (Simpson on
  // each segment), so the result does not depend on where the samples fall.
  std::vector<double> tc;
  std::vector<double> vc;
  std::vector<double> ic;
  Clip(t, v, t0, t1, tc, vc);
  Clip(t, i, t0, t1, tc, ic);
  double sum = 0.0;
  for (std::size_t k = 1; k < tc.size(); ++k) {
    double vm = 0.5 * (vc[k] + vc[k - 1]);
    double im = 0.5 * (ic[k] + ic[k - 1]);
    double p0 = vc[k - 1] * ic[k - 1];
    double p1 = vc[k] * ic[k];
    sum += (tc[k] - tc[k - 1]) * (p0 + 4.0 * vm * im + p1) / 6.0;
  }
  return sign * sum;
}

double SupplyEnergy(std::span<const double> t,
                    double v,
                    std::span<const double> i,
                    double t0,
                    double t1,
                    double sign) {
  return sign * v * Integral(t, i, t0, t1);
}

std::vector<double> Crossings(std::span<const double> t,
                              std::span<const double> y,
                              double threshold,
                              Edge edge) {
  Check(t, y, "Crossings");
  std::vector<double> out;
  for (std::size_t k = 1; k < t.size(); ++k) {
    double a = y[k - 1] - threshold;
    double b = y[k] - threshold;
    bool rising = a < 0.0 && b >= 0.0;
    bool falling = a > 0.0 && b <= 0.0;
    if ((rising && edge != Edge::kFalling) || (falling && edge != Edge::kRising)) {
      out.push_back(t[k - 1] + (t[k] - t[k - 1]) * (-a) / (b - a));
    }
  }
  return out;
}

long long CodeFromLevels(std::span<const double> levels_v, double threshold_v) {
  if (levels_v.size() > 62) {
    throw Error("CodeFromLevels: " + std::to_string(levels_v.size()) +
                " bits do not fit a 64-bit code");
  }
  long long code = 0;
  for (std::size_t k = 0; k < levels_v.size(); ++k) {
    if (levels_v[k] > threshold_v) {
      code |= 1LL << k;
    }
  }
  return code;
}

}  // namespace cimchar::measure
