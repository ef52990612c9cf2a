// How the saliency evaluator sums signed weights (OseOptions::saliency): the sign plane's 1-bit
// MACs add (unsigned), subtract with only positive column sums kept (signed), or subtract with the
// column sums' magnitudes kept (magnitude); the kernel and MacRunner::Saliency agree.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "calib/macro.h"
#include "core/error.h"
#include "mac/mac_model.h"
#include "mac/options.h"

namespace cimchar::mac {
namespace {

// The saliency of one 144 x 8 pass whose every weight is `weight` and every activation 255.
std::int64_t SaliencyOf(std::int32_t weight, SaliencyKind kind) {
  MacShape s;
  s.signed_weights = true;
  const MacArray array(s, calib::AnalyticMacro({.geometry = s.geometry()}),
                       std::vector<std::int32_t>(144 * 8, weight), 144, 8, 1);
  RunOptions o;
  o.mode = Mode::kOsaHcim;
  o.ose.orders = 2;  // orders 14 and 13: the pairs (7,7), (6,7) and (7,6)
  o.ose.saliency = kind;
  o.ose.thresholds = {1000, 500, 100, 50, 10};
  const MacRunner runner(array, o);
  MacRunner::Workspace ws;
  std::vector<std::int64_t> saliency(1);
  std::vector<int> boundary(1);
  runner.Saliency(std::vector<std::int32_t>(144, 255), ws, saliency, boundary);
  return saliency[0];
}

TEST(Saliency, TheSignPlaneAddsSubtractsOrCountsByMagnitude) {
  // Every count is 144 of 144 rows: N/Q output 7 (3 bits, full scale rows + 1).
  // w = -1 (every bit, the sign plane too): pairs (6,7) +7, (7,6) -7, (7,7) -7 per column.
  EXPECT_EQ(SaliencyOf(-1, SaliencyKind::kUnsigned), 8 * 21);
  EXPECT_EQ(SaliencyOf(-1, SaliencyKind::kSigned), 0);
  EXPECT_EQ(SaliencyOf(-1, SaliencyKind::kMagnitude), 8 * 7);
  // w = +127 (bits 0-6): only (6,7), +7 per column, whatever the kind.
  for (SaliencyKind kind :
       {SaliencyKind::kUnsigned, SaliencyKind::kSigned, SaliencyKind::kMagnitude}) {
    EXPECT_EQ(SaliencyOf(127, kind), 8 * 7) << SaliencyKindName(kind);
  }
}

TEST(Saliency, KindsAreNamedAndRefusedClearly) {
  EXPECT_EQ(ParseSaliencyKind("signed"), SaliencyKind::kSigned);
  EXPECT_EQ(SaliencyKindName(ParseSaliencyKind("magnitude")), "magnitude");
  try {
    ParseSaliencyKind("absolute");
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'absolute'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cimchar::mac
