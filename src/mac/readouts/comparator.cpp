// The ADC-less comparator readouts behind the readout seam: binary (one comparator) and ternary
// (two at a reference -/+ a threshold), calib::Macro::comparator. Each comparator has its own
// static offset (no common one); the value of a code is fitted per column on calibration
// conversions, as a digital scale factor and offset: value = beta + alpha x t, with t = -1, 0, +1
// (ternary) or -1/2, +1/2 (binary), by least squares over the column's calibration ops (a column
// whose ops all gave one code: the offset alone, the scale the shared values').

#include <cmath>

#include "mac/readouts/readouts.h"

namespace cimchar::mac::readouts {

namespace {

class Comparators final : public Readout {
 public:
  explicit Comparators(const calib::ComparatorReadout& c) : c_(c) {}

  int Levels() const override { return static_cast<int>(c_.threshold_v.size()) + 1; }
  const std::vector<double>& ThresholdsV() const override { return c_.threshold_v; }
  double NoiseSigmaV() const override { return c_.noise_sigma_v; }

  void DrawColumn(Rng& rng, double& offset_v, std::span<double> thresholds_v) const override {
    offset_v = 0.0;
    for (std::size_t k = 0; k < thresholds_v.size(); ++k) {
      thresholds_v[k] = c_.threshold_v[k] + c_.threshold_static_sigma_v[k] * rng.Normal();
    }
  }

  // Before a column's fit: the outer codes at the mean level one threshold spacing beyond
  // (binary: the distance to 0), the middle one between the thresholds.
  std::vector<double> CodeFractions(
      const std::function<double(double)>& ideal_fraction) const override {
    const std::vector<double>& tv = c_.threshold_v;
    const double spacing = tv.size() > 1 ? tv.back() - tv.front() : std::abs(tv.front());
    std::vector<double> frac;
    frac.push_back(ideal_fraction(tv.front() - 0.5 * spacing));
    if (tv.size() > 1) {
      frac.push_back(ideal_fraction(0.5 * (tv.front() + tv.back())));
    }
    frac.push_back(ideal_fraction(tv.back() + 0.5 * spacing));
    return frac;
  }

  bool FitsColumns() const override { return true; }

  std::vector<double> FitColumn(std::span<const int> codes,
                                std::span<const double> ideal,
                                std::span<const double> shared) const override {
    const int levels = Levels();
    const double centre = 0.5 * (levels - 1);
    double n = 0, st = 0, sx = 0, stt = 0, stx = 0;
    for (std::size_t i = 0; i < codes.size(); ++i) {
      const double t = codes[i] - centre;
      n += 1;
      st += t;
      sx += ideal[i];
      stt += t * t;
      stx += t * ideal[i];
    }
    const double det = n * stt - st * st;
    if (!(det > 0.0)) {
      // Every op gave one code: its value is the mean of their ideal fractions, and the other
      // codes keep the shared spacing around it (no op, no fit: the shared values).
      std::vector<double> values(shared.begin(), shared.end());
      if (n > 0) {
        const double offset = sx / n - shared[static_cast<std::size_t>(codes[0])];
        for (double& v : values) {
          v += offset;
        }
      }
      return values;
    }
    const double alpha = (n * stx - st * sx) / det;
    const double beta = (sx - alpha * st) / n;
    std::vector<double> values(static_cast<std::size_t>(levels));
    for (int k = 0; k < levels; ++k) {
      values[static_cast<std::size_t>(k)] = beta + alpha * (k - centre);
    }
    return values;
  }

 private:
  calib::ComparatorReadout c_;
};

}  // namespace

std::unique_ptr<Readout> MakeComparators(const calib::Macro& macro) {
  return std::make_unique<Comparators>(macro.comparator);
}

}  // namespace cimchar::mac::readouts
