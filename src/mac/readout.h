#pragma once

// The column readout: how the line voltage of an analog op becomes a code, and the code the value
// the model accumulates. A readout is one part with one file per stage (its bench under
// characterize/benches, its reader and schema names under calib/readouts, its conversion under
// mac/readouts, its part of the exports under exporters/readouts); this is the seam the MAC model
// calls. The model never calls it per conversion: a readout hands the kernel per-code tables once
// per programmed array (chip) — the mean thresholds, each column's static thresholds, the value of
// each code — and the kernel compares and looks up.

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "calib/macro.h"
#include "mac/random.h"

namespace cimchar::mac {

class Readout {
 public:
  virtual ~Readout() = default;

  // Codes one conversion yields (2^b for a b-bit converter). Failures: none.
  virtual int Levels() const = 0;
  // The mean thresholds on the line, volts, increasing: threshold k is where the code changes
  // from k to k + 1 (Levels() - 1 of them). Failures: none.
  virtual const std::vector<double>& ThresholdsV() const = 0;
  // The input-referred noise of one conversion, volts (independent of the line's own).
  // Failures: none.
  virtual double NoiseSigmaV() const = 0;
  // One column's static (per die) errors drawn from `rng`, the column's own stream: `offset_v`
  // moves every threshold together; `thresholds_v` (Levels() - 1) receives each mean threshold
  // with its own deviation. Failures: none. Thread-safety: const; `rng` belongs to the caller.
  virtual void DrawColumn(Rng& rng, double& offset_v, std::span<double> thresholds_v) const = 0;
  // The value each code is read back as, an ideal fraction of full scale, shared by every
  // column; `ideal_fraction(v)` inverts the line's uniform-code transfer. Failures: none.
  virtual std::vector<double> CodeFractions(
      const std::function<double(double)>& ideal_fraction) const = 0;

  // A readout whose values are fitted per column on calibration data says so; the model then
  // calls FitColumn for every physical column of the chip (per weight bit and B_D/A when fitted
  // on real data, MacArray::FitReadout) and the kernel reads each column's values; with static
  // errors off it reads the shared ones, fitted by FitColumn on a nominal column.
  virtual bool FitsColumns() const { return false; }
  // The values (Levels() of them) of one column from its calibration conversions: `codes[n]` the
  // code it gave for an op of ideal fraction `ideal[n]`; `shared` the values before any fit.
  // Failures: none (too few distinct codes to fit is the readout's to resolve from `shared`).
  // Thread-safety: const.
  virtual std::vector<double> FitColumn(std::span<const int> codes,
                                        std::span<const double> ideal,
                                        std::span<const double> shared) const;
};

// A registered readout: its name (what `--readout` and calib::Macro::readout say), a line of
// help and the factory that builds it from the characterized macro.
struct ReadoutInfo {
  std::string name;
  std::string help;
  std::function<std::unique_ptr<Readout>(const calib::Macro&)> make;
};

// Every readout, in the order the tools list them. Thread-safety: a constant.
const std::vector<ReadoutInfo>& Readouts();

// The readout `macro.readout` names, built from the macro. Failures: UsageError naming an
// unknown readout and the known ones.
std::unique_ptr<Readout> MakeReadout(const calib::Macro& macro);

}  // namespace cimchar::mac
