// The B_D/A map of a photograph (paper Fig. 7a analogue) on synthetic images.
#include "network/bda_map.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "report/image.h"

namespace cimchar::network {
namespace {

// Left half flat grey, right half high-contrast stripes.
report::GreyImage HalfStripes(int w, int h) {
  report::GreyImage img{.width = w, .height = h, .max_value = 255, .pixels = {}};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      img.pixels.push_back(x < w / 2 ? 128 : ((x / 2) % 2 ? 255 : 0));
    }
  }
  return img;
}

TEST(BdaMap, ContrastGetsAMoreDigitalBoundaryThanAFlatRegion) {
  const report::GreyImage img = HalfStripes(24, 12);
  const BdaMapResult r = ComputeBdaMap(img, {});
  ASSERT_EQ(r.map.values.size(), img.pixels.size());
  double flat = 0.0;
  double busy = 0.0;
  int n_flat = 0;
  int n_busy = 0;
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      const int b = r.map.values[static_cast<std::size_t>(y * img.width + x)];
      if (x < img.width / 2 - 2) {
        flat += b;
        ++n_flat;
      } else if (x > img.width / 2 + 1) {
        busy += b;
        ++n_busy;
      }
    }
  }
  flat /= n_flat;
  busy /= n_busy;
  EXPECT_LT(busy, flat);  // smaller B_D/A = more digital orders = more precise
  EXPECT_EQ(flat, r.candidates.back());
  // Deterministic: the same options give the same map.
  EXPECT_EQ(ComputeBdaMap(img, {}).map.values, r.map.values);
}

TEST(BdaMap, ALayerLargerThanTheArrayIsRefused) {
  BdaMapOptions o;
  o.edge_channels = 17;  // 153 inputs > 144 rows
  EXPECT_THROW(ComputeBdaMap(HalfStripes(8, 8), o), UsageError);
  EXPECT_THROW(ComputeBdaMap(report::GreyImage{}, {}), UsageError);
}

}  // namespace
}  // namespace cimchar::network
