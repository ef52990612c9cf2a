#include "mac/options.h"

#include <sstream>

#include "core/error.h"

namespace cimchar::mac {

namespace {

void CheckRange(const char* what, long long value, long long lo, long long hi) {
  if (value < lo || value > hi) {
    std::ostringstream msg;
    msg << what << " = " << value << " is outside the allowed range " << lo << ".." << hi;
    throw UsageError(msg.str());
  }
}

}  // namespace

void ValidateShape(const MacShape& shape) {
  CheckRange("activation bits", shape.activation_bits, 1, 8);
  CheckRange("weight bits", shape.weight_bits, 1, 8);
  if (shape.signed_weights && shape.weight_bits < 2) {
    throw UsageError("signed weights need at least 2 weight bits (got " +
                     std::to_string(shape.weight_bits) + ")");
  }
  calib::ValidateGeometry(shape.geometry());
}

Mode ParseMode(const std::string& text) {
  if (text == "dcim") {
    return Mode::kDcim;
  }
  if (text == "hcim") {
    return Mode::kHcim;
  }
  if (text == "osa-hcim" || text == "osa") {
    return Mode::kOsaHcim;
  }
  throw UsageError("unknown mode '" + text + "': expected dcim, hcim or osa-hcim");
}

std::string ModeName(Mode mode) {
  switch (mode) {
    case Mode::kDcim:
      return "dcim";
    case Mode::kHcim:
      return "hcim";
    case Mode::kOsaHcim:
      return "osa-hcim";
  }
  return "?";
}

SaliencyKind ParseSaliencyKind(const std::string& text) {
  for (SaliencyKind kind :
       {SaliencyKind::kUnsigned, SaliencyKind::kSigned, SaliencyKind::kMagnitude}) {
    if (text == SaliencyKindName(kind)) {
      return kind;
    }
  }
  throw UsageError("unknown saliency '" + text + "': expected unsigned, signed or magnitude");
}

std::string SaliencyKindName(SaliencyKind kind) {
  switch (kind) {
    case SaliencyKind::kUnsigned:
      return "unsigned";
    case SaliencyKind::kSigned:
      return "signed";
    case SaliencyKind::kMagnitude:
      return "magnitude";
  }
  return "?";
}

void ValidateRunOptions(const MacShape& shape, const RunOptions& options) {
  const int max_boundary = MaxBoundary(shape);
  if (options.mode == Mode::kHcim) {
    CheckRange("B_D/A", options.boundary, 0, max_boundary);
  }
  if (!(options.activation_bit_probability >= 0.0 && options.activation_bit_probability <= 1.0)) {
    throw UsageError("activation bit probability " +
                     std::to_string(options.activation_bit_probability) + " is outside 0..1");
  }
  if (options.mode != Mode::kOsaHcim) {
    return;
  }
  const OseOptions& ose = options.ose;
  CheckRange("saliency orders s", ose.orders, 1, max_boundary);
  CheckRange("N/Q bits", ose.quant_bits, 1, 16);
  CheckRange("N/Q full scale (0 = rows + 1)", ose.nq_full_scale, 0, 1 << 30);
  if (ose.candidates.empty()) {
    throw UsageError("the B_D/A candidate list is empty: give at least one candidate");
  }
  for (std::size_t m = 0; m < ose.candidates.size(); ++m) {
    CheckRange("B_D/A candidate", ose.candidates[m], 0, max_boundary);
    if (m > 0 && ose.candidates[m] <= ose.candidates[m - 1]) {
      throw UsageError("B_D/A candidates must be strictly increasing (most precise first); got " +
                       std::to_string(ose.candidates[m - 1]) + " then " +
                       std::to_string(ose.candidates[m]));
    }
  }
  if (ose.thresholds.size() + 1 != ose.candidates.size()) {
    throw UsageError("OSA-HCIM needs " + std::to_string(ose.candidates.size() - 1) +
                     " thresholds for " + std::to_string(ose.candidates.size()) +
                     " candidates; got " + std::to_string(ose.thresholds.size()));
  }
  for (std::size_t m = 1; m < ose.thresholds.size(); ++m) {
    if (ose.thresholds[m] > ose.thresholds[m - 1]) {
      throw UsageError("saliency thresholds must be non-increasing; got " +
                       std::to_string(ose.thresholds[m - 1]) + " then " +
                       std::to_string(ose.thresholds[m]));
    }
  }
}

}  // namespace cimchar::mac
