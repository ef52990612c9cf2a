// The generated adder trees and accumulator: structure, cell counts, and the trees' logic
// evaluated gate by gate from the netlist text (full_adder: S = A ^ B ^ CI, CO = majority;
// half_adder: S = A ^ B, C = A & B) against the popcount.
#include "measure/digital_netlists.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "substring_count.h"

namespace cimchar::measure {
namespace {

using cimchar::testing::Count;

// Evaluates the tree's subckt for one input vector: the cells in netlist order (each cell's
// inputs are produced by earlier lines or are ports). Returns the sum from S0.. .
long long Evaluate(const AdderTree& tree, const std::vector<int>& in) {
  std::map<std::string, int> net;
  for (std::size_t i = 0; i < in.size(); ++i) {
    net["in" + std::to_string(i)] = in[i];
  }
  std::istringstream lines(tree.subckt);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != 'x') {
      continue;
    }
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string x; words >> x;) {
      w.push_back(x);
    }
    const bool full = w.back() == "full_adder";
    const std::size_t n_in = full ? 3 : 2;
    int ones = 0;
    for (std::size_t i = 1; i <= n_in; ++i) {
      EXPECT_EQ(net.count(w[i]), 1u) << "net " << w[i] << " used before it is driven: " << line;
      ones += net[w[i]];
    }
    net[w[n_in + 1]] = ones & 1;
    net[w[n_in + 2]] = ones >> 1;
  }
  long long sum = 0;
  for (int k = 0; k < tree.output_bits; ++k) {
    sum += static_cast<long long>(net.at("s" + std::to_string(k))) << k;
  }
  return sum;
}

TEST(DigitalNetlists, SumBits) {
  EXPECT_EQ(SumBits(1), 1);
  EXPECT_EQ(SumBits(3), 2);
  EXPECT_EQ(SumBits(4), 3);
  EXPECT_EQ(SumBits(144), 8);
  EXPECT_EQ(SumBits(255), 8);
  EXPECT_EQ(SumBits(256), 9);
}

TEST(DigitalNetlists, TreesGiveThePopcountForRandomInputs) {
  std::mt19937 rng(7);
  for (auto structure : {AdderTreeStructure::kWallace, AdderTreeStructure::kRippleTree}) {
    for (int n : {2, 3, 4, 5, 7, 16, 31, 144, 145, 300}) {
      const AdderTree tree = MakeAdderTree(n, structure);
      ASSERT_GE(tree.output_bits, SumBits(n));
      std::vector<int> in(static_cast<std::size_t>(n));
      for (int trial = 0; trial < 40; ++trial) {
        // Densities from all zeros to all ones.
        const double p = trial / 39.0;
        long long ones = 0;
        for (auto& b : in) {
          b = std::uniform_real_distribution<double>(0, 1)(rng) < p ? 1 : 0;
          ones += b;
        }
        ASSERT_EQ(Evaluate(tree, in), ones)
            << AdderTreeStructureName(structure) << " tree of " << n << " inputs";
      }
    }
  }
}

TEST(DigitalNetlists, WallaceTreeOf144InputsIsSmallAndShallow) {
  const AdderTree w = MakeAdderTree(144, AdderTreeStructure::kWallace);
  const AdderTree r = MakeAdderTree(144, AdderTreeStructure::kRippleTree);
  // Each full adder removes one bit of the 144; the result keeps 8: at most 136 full adders.
  EXPECT_EQ(w.full_adders, 136);
  EXPECT_EQ(w.half_adders, 13);
  EXPECT_EQ(w.output_bits, 8);
  EXPECT_EQ(Count(w.subckt, " full_adder\n"), w.full_adders);
  EXPECT_EQ(Count(w.subckt, " half_adder\n"), w.half_adders);
  // The ripple tree needs about twice the cells and is deeper; its top bit is always 0.
  EXPECT_GT(r.full_adders + r.half_adders, 2 * 130);
  EXPECT_EQ(r.output_bits, 9);
  EXPECT_LT(w.depth, r.depth);
  EXPECT_EQ(w.subckt.find("{{"), std::string::npos);
  EXPECT_NE(w.subckt.find(".subckt adder_tree_wallace144"), std::string::npos);
  // Zero state: two outputs (internal ones) and two inverting nodes per cell.
  EXPECT_LE(w.zero_state.size(), 4u * static_cast<std::size_t>(w.full_adders + w.half_adders));
  for (const auto& n : w.zero_state) {
    EXPECT_TRUE(n.node.rfind("s", 0) != 0 || n.node.find('.') != std::string::npos)
        << "port " << n.node << " in the zero state";
  }
}

TEST(DigitalNetlists, AccumulatorStructure) {
  const Accumulator a = MakeAccumulator(24, {.nmos = "my_n", .pmos = "my_p"});
  EXPECT_EQ(a.name, "accumulator24");
  EXPECT_EQ(Count(a.subckt, " dff\n"), 24);
  EXPECT_EQ(Count(a.subckt, " full_adder\n"), 23);
  EXPECT_EQ(Count(a.subckt, " half_adder\n"), 1);
  EXPECT_EQ(Count(a.subckt, " line_driver\n"), 1);
  EXPECT_EQ(Count(a.subckt, " my_n w="), 2 * 24 + 1);
  EXPECT_EQ(Count(a.subckt, " nch "), 0);
  // Bit 0's shifted-in value is 0.
  EXPECT_NE(a.subckt.find("mns0 vss shift x0 vss my_n"), std::string::npos) << a.subckt;
  for (const auto& n : a.zero_state) {
    EXPECT_NE(n.node.rfind("q", 0), 0u) << "port " << n.node << " in the zero state";
  }
}

TEST(DigitalNetlists, BadParametersAreRefused) {
  EXPECT_THROW(MakeAdderTree(1, AdderTreeStructure::kWallace), UsageError);
  EXPECT_THROW(MakeAdderTree(5000, AdderTreeStructure::kWallace), UsageError);
  EXPECT_THROW(MakeAccumulator(1), UsageError);
  EXPECT_THROW(MakeAccumulator(65), UsageError);
  EXPECT_THROW(ParseAdderTreeStructure("dadda"), UsageError);
  EXPECT_EQ(ParseAdderTreeStructure("ripple"), AdderTreeStructure::kRippleTree);
}

}  // namespace
}  // namespace cimchar::measure
