#pragma once

#include <string>
#include <vector>

#include "measure/block_netlists.h"

namespace cimchar::measure {

// Generated netlists of the digital side of a hybrid MAC unit: the adder tree that sums the
// D_MULT outputs of every row (a popcount) and the accumulator that shifts and adds the partial
// sums. They instantiate the cells of netlists/blocks/ (full_adder.sp, half_adder.sp, dff.sp,
// line_driver.sp), which the bench must include. Pure and thread-safe; each function throws
// cimchar::UsageError for a parameter out of range, naming it.

// A node of a generated subcircuit and its logic value (0 or 1) in a stated state, for the
// bench's .nodeset/.ic lines: `node` is relative to the instance ("xf3.cob", "n12").
struct NodeValue {
  std::string node;
  int value = 0;
};

// How the adder tree reduces its one-bit inputs.
//   kWallace: a carry-save (Wallace) counter tree. In each stage every bit weight's column of
//     bits is cut into groups of three, each a full adder (sum stays, carry goes one weight up);
//     a leftover pair in a column that had more than two bits becomes a half adder. Stages
//     repeat until no weight holds more than two bits; a ripple-carry adder of half and full
//     adders then gives the binary sum. N inputs take about N - log2(N) cells.
//   kRippleTree: a binary tree of ripple-carry adders: level l adds the operands of level l-1
//     pairwise (an odd one passes on), each adder a chain of half and full adders over the
//     operands' bits. About 2N cells; the operand width grows by one bit per level.
enum class AdderTreeStructure { kWallace, kRippleTree };

// "wallace" / "ripple"; throws UsageError naming the text otherwise.
AdderTreeStructure ParseAdderTreeStructure(const std::string& text);
std::string AdderTreeStructureName(AdderTreeStructure s);

struct AdderTree {
  // .subckt <name> IN0 .. IN<inputs-1> S0 .. S<output_bits-1> VDD VSS
  // S0 is the least significant bit of the number of inputs that are 1.
  std::string name;
  std::string subckt;
  int inputs = 0;
  int output_bits = 0;  // >= ceil(log2(inputs + 1)); extra top bits of a ripple tree stay 0
  int full_adders = 0;
  int half_adders = 0;
  int depth = 0;  // cells on the longest input-to-output path
  // Every internal cell output and inverting node (full adder COB/SB, half adder ND/NR) with
  // all inputs at 0: outputs 0, inverting nodes 1 (ports excluded: they are the bench's nodes).
  std::vector<NodeValue> zero_state;
};

// The adder tree summing `inputs` one-bit values (2 .. 4096).
AdderTree MakeAdderTree(int inputs, AdderTreeStructure structure);

// Bits the exact sum of `inputs` one-bit values needs: ceil(log2(inputs + 1)).
int SumBits(long long inputs);

struct Accumulator {
  // .subckt <name> B0 .. B<bits-1> SHIFT CK Q0 .. Q<bits-1> VDD VSS
  // On each rising edge of CK the register Q takes (SHIFT ? 2 Q : Q) + B modulo 2^bits.
  // Structure: a line_driver buffers CK into the register's clock CLK; `bits` D flip-flops
  // (dff.sp) hold Q; a 2:1 transmission-gate multiplexer per bit (NMOS 200n, PMOS 400n; one
  // inverter 200n/400n makes SHIFTB) gives the adder's A operand, Q_k or Q_(k-1) (0 for k = 0);
  // a ripple-carry adder (a half adder at bit 0, full adders above, the top carry dropped) adds
  // B and feeds the flip-flops' D inputs.
  std::string name;
  std::string subckt;
  int bits = 0;
  // With CK, SHIFT, every B and Q at 0: the multiplexer outputs, the adder cells, the
  // flip-flops' internal nodes (M MB MF S SF CLKB) and the clock buffer (ports excluded).
  std::vector<NodeValue> zero_state;
};

// The shift-and-add accumulator of `bits` bits (2 .. 64).
Accumulator MakeAccumulator(int bits, const DeviceModels& models = {});

}  // namespace cimchar::measure
