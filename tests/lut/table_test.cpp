#include "lut/table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>

#include "core/error.h"

namespace cimchar::lut {
namespace {

constexpr double kAbsTol = 1e-12;

// v(corner, vdd, temp) = offset(corner) + 2 * vdd + 0.01 * temp: multilinear interpolation of a
// function linear in each numeric axis is exact, so expected values are known in closed form.
Table MakeTable() {
  std::vector<Axis> axes = {Axis::Categorical("corner", {"tt", "ff"}),
                            Axis::Numeric("vdd", "V", {0.6, 0.9, 1.2}),
                            Axis::Numeric("temp", "K", {250.0, 300.0, 400.0})};
  std::vector<double> values;
  for (const double offset : {0.0, 0.1}) {
    for (const double vdd : axes[1].values()) {
      for (const double temp : axes[2].values()) {
        values.push_back(offset + 2.0 * vdd + 0.01 * temp);
      }
    }
  }
  return Table("adc/offset_v", "V", std::move(axes), std::move(values));
}

std::string ThrownMessage(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return std::string("UsageError: ") + e.what();
  } catch (const Error& e) {
    return std::string("Error: ") + e.what();
  }
  return "no exception";
}

TEST(Table, GridPointsReturnStoredValuesBitExactly) {
  const Table t = MakeTable();
  const std::vector<std::size_t> index = {1, 2, 1};
  const double stored = t.At(index);
  const double looked_up = t.Lookup({{"corner", "ff"}, {"vdd", 1.2}, {"temp", 300.0}});
  EXPECT_EQ(std::memcmp(&stored, &looked_up, sizeof(double)), 0);
  EXPECT_EQ(t.Lookup({{"corner", "tt"}, {"vdd", 0.6}, {"temp", 250.0}}), t.values().front());
  EXPECT_EQ(t.Lookup({{"corner", "ff"}, {"vdd", 1.2}, {"temp", 400.0}}), t.values().back());
}

TEST(Table, InterpolatesLinearlyBetweenGridPoints) {
  const Table t = MakeTable();
  EXPECT_NEAR(t.Lookup({{"corner", "tt"}, {"vdd", 0.75}, {"temp", 300.0}}), 1.5 + 3.0, kAbsTol);
  EXPECT_NEAR(t.Lookup({{"corner", "ff"}, {"vdd", 1.0}, {"temp", 275.0}}), 0.1 + 2.0 + 2.75,
              kAbsTol);
  EXPECT_NEAR(t.Lookup({{"corner", "tt"}, {"vdd", 0.7}, {"temp", 350.0}}), 1.4 + 3.5, kAbsTol);
}

TEST(Table, BilinearInterpolationOfAProduct) {
  // f = x * y is bilinear, so the interpolation is exact at any interior point.
  const Table t("energy/op_j", "J",
                {Axis::Numeric("x", "1", {0.0, 1.0, 3.0}), Axis::Numeric("y", "1", {0.0, 2.0})},
                {0.0, 0.0, 0.0, 2.0, 0.0, 6.0});
  EXPECT_NEAR(t.Lookup({{"x", 2.0}, {"y", 0.5}}), 1.0, kAbsTol);
  EXPECT_NEAR(t.Lookup({{"x", 0.5}, {"y", 1.5}}), 0.75, kAbsTol);
}

TEST(Table, CategoricalAxisMatchesLabelsExactly) {
  const Table t = MakeTable();
  const double tt = t.Lookup({{"corner", "tt"}, {"vdd", 0.9}, {"temp", 300.0}});
  const double ff = t.Lookup({{"corner", "ff"}, {"vdd", 0.9}, {"temp", 300.0}});
  EXPECT_NEAR(ff - tt, 0.1, kAbsTol);
}

TEST(Table, ScalarTableHasOneValue) {
  const Table t("cell/leak_a", "A", {}, {3e-12});
  EXPECT_EQ(t.Lookup({}), 3e-12);
}

TEST(Table, RefusesPointsOutsideAnAxisNamingAxisValueAndRange) {
  const Table t = MakeTable();
  const std::string high = ThrownMessage([&] {
    t.Lookup({{"corner", "tt"}, {"vdd", 1.3}, {"temp", 300.0}});
  });
  EXPECT_NE(high.find("UsageError"), std::string::npos) << high;
  EXPECT_NE(high.find("vdd = 1.3 V"), std::string::npos) << high;
  EXPECT_NE(high.find("[0.6, 1.2] V"), std::string::npos) << high;
  EXPECT_NE(high.find("adc/offset_v"), std::string::npos) << high;
  const std::string low = ThrownMessage([&] {
    t.Lookup({{"corner", "tt"}, {"vdd", 0.9}, {"temp", 249.999}});
  });
  EXPECT_NE(low.find("temp = 249.999 K"), std::string::npos) << low;
  const std::string nan = ThrownMessage([&] {
    t.Lookup(
        {{"corner", "tt"}, {"vdd", std::numeric_limits<double>::quiet_NaN()}, {"temp", 300.0}});
  });
  EXPECT_NE(nan.find("UsageError"), std::string::npos) << nan;
}

TEST(Table, RefusesUnknownLabelsAndAxisMistakes) {
  const Table t = MakeTable();
  const std::string label = ThrownMessage([&] {
    t.Lookup({{"corner", "xx"}, {"vdd", 0.9}, {"temp", 300.0}});
  });
  EXPECT_NE(label.find("corner = 'xx'"), std::string::npos) << label;
  EXPECT_NE(label.find("{tt, ff}"), std::string::npos) << label;
  const std::string missing = ThrownMessage([&] { t.Lookup({{"corner", "tt"}, {"vdd", 0.9}}); });
  EXPECT_NE(missing.find("no coordinate for axis 'temp'"), std::string::npos) << missing;
  const std::string unknown = ThrownMessage([&] {
    t.Lookup({{"corner", "tt"}, {"vdd", 0.9}, {"temp", 300.0}, {"rows", 8.0}});
  });
  EXPECT_NE(unknown.find("no axis 'rows'"), std::string::npos) << unknown;
  const std::string kind = ThrownMessage([&] {
    t.Lookup({{"corner", 1.0}, {"vdd", 0.9}, {"temp", 300.0}});
  });
  EXPECT_NE(kind.find("categorical"), std::string::npos) << kind;
  const std::string text = ThrownMessage([&] {
    t.Lookup({{"corner", "tt"}, {"vdd", "high"}, {"temp", 300.0}});
  });
  EXPECT_NE(text.find("numeric"), std::string::npos) << text;
}

TEST(Table, MissingValuesAreRefusedUnlessAllowedAndNeverInterpolated) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(Table("q", "V", {Axis::Numeric("x", "V", {0.0, 1.0})}, {1.0, nan}), UsageError);
  const Table t("q", "V", {Axis::Numeric("x", "V", {0.0, 1.0, 2.0})}, {1.0, 2.0, nan}, true);
  EXPECT_EQ(t.Lookup({{"x", 0.5}}), 1.5);
  const std::string msg = ThrownMessage([&] { t.Lookup({{"x", 1.5}}); });
  EXPECT_NE(msg.find("Error: table 'q' has no value at x = 2 V"), std::string::npos) << msg;
}

TEST(Axis, RefusesBadDefinitions) {
  EXPECT_THROW(Axis::Numeric("vdd", "V", {1.0, 1.0}), UsageError);
  EXPECT_THROW(Axis::Numeric("vdd", "V", {1.0, 0.5}), UsageError);
  EXPECT_THROW(Axis::Numeric("vdd", "V", {}), UsageError);
  EXPECT_THROW(Axis::Numeric("vdd", "", {1.0}), UsageError);
  EXPECT_THROW(Axis::Numeric("a/b", "V", {1.0}), UsageError);
  EXPECT_THROW(Axis::Numeric("vdd", "V", {std::numeric_limits<double>::infinity()}), UsageError);
  EXPECT_THROW(Axis::Categorical("corner", {"tt", "tt"}), UsageError);
  EXPECT_THROW(Axis::Categorical("corner", {}), UsageError);
  EXPECT_THROW(Table("q", "V", {Axis::Numeric("x", "V", {0.0, 1.0})}, {1.0}), UsageError);
  EXPECT_THROW(Table("bad name", "V", {}, {1.0}), UsageError);
}

}  // namespace
}  // namespace cimchar::lut
