// The column SAR ADC behind the readout seam: its transitions, their static and dynamic spread
// and the comparator offset as calib::AdcTransfer holds them; each code is read back at the
// centre of its mean input interval.

#include <algorithm>
#include <cmath>

#include "mac/readouts/readouts.h"

namespace cimchar::mac::readouts {

namespace {

class Sar final : public Readout {
 public:
  explicit Sar(const calib::AdcTransfer& adc) : adc_(adc) {
    const std::size_t n = adc_.transition_v.size();
    extra_sigma_v_.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      const double total = adc_.transition_static_sigma_v[k];
      const double offset = adc_.comparator_offset_sigma_v;
      // The comparator offset moves every transition together; the rest is each transition's
      // own.
      extra_sigma_v_[k] = std::sqrt(std::max(0.0, total * total - offset * offset));
    }
  }

  int Levels() const override { return static_cast<int>(adc_.transition_v.size()) + 1; }
  const std::vector<double>& ThresholdsV() const override { return adc_.transition_v; }
  double NoiseSigmaV() const override { return adc_.ConversionNoiseSigmaV(); }

  void DrawColumn(Rng& rng, double& offset_v, std::span<double> thresholds_v) const override {
    offset_v = adc_.comparator_offset_sigma_v * rng.Normal();
    for (std::size_t k = 0; k < thresholds_v.size(); ++k) {
      thresholds_v[k] = adc_.transition_v[k] + extra_sigma_v_[k] * rng.Normal();
    }
  }

  // Each code at the centre of its mean input interval: between its two mean transitions, half
  // an LSB beyond the first and the last.
  std::vector<double> CodeFractions(
      const std::function<double(double)>& ideal_fraction) const override {
    const int levels = Levels();
    const double lsb_v = adc_.LsbV();
    const std::vector<double>& tv = adc_.transition_v;
    std::vector<double> frac(static_cast<std::size_t>(levels));
    for (int code = 0; code < levels; ++code) {
      const double centre = code == 0            ? tv.front() - 0.5 * lsb_v
                            : code == levels - 1 ? tv.back() + 0.5 * lsb_v
                                                 : 0.5 * (tv[code - 1] + tv[code]);
      frac[static_cast<std::size_t>(code)] = std::clamp(ideal_fraction(centre), 0.0, 1.0);
    }
    return frac;
  }

 private:
  calib::AdcTransfer adc_;
  std::vector<double> extra_sigma_v_;
};

}  // namespace

std::unique_ptr<Readout> MakeSar(const calib::Macro& macro) {
  return std::make_unique<Sar>(macro.adc);
}

}  // namespace cimchar::mac::readouts
