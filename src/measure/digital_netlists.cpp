#include "measure/digital_netlists.h"

#include <algorithm>
#include <map>

#include "core/error.h"

namespace cimchar::measure {
namespace {

// A full or half adder of a generated netlist, before its nets get their final names.
struct Cell {
  bool full = true;
  std::vector<std::string> in;  // 3 (full) or 2 (half)
  std::string sum, carry;
};

// Builds cells and tracks each net's depth (cells between it and the inputs).
class CellBuilder {
 public:
  std::pair<std::string, std::string> Add(std::vector<std::string> in) {
    Cell c{.full = in.size() == 3, .in = std::move(in), .sum = Net(), .carry = Net()};
    int level = 0;
    for (const auto& n : c.in) {
      level = std::max(level, Depth(n));
    }
    depth_[c.sum] = depth_[c.carry] = level + 1;
    cells_.push_back(c);
    return {c.sum, c.carry};
  }
  int Depth(const std::string& net) const {
    auto it = depth_.find(net);
    return it == depth_.end() ? 0 : it->second;
  }
  const std::vector<Cell>& cells() const { return cells_; }

 private:
  std::string Net() { return "n" + std::to_string(next_++); }
  std::vector<Cell> cells_;
  std::map<std::string, int> depth_;
  int next_ = 0;
};

// Adds columns of at most two bits per weight into one binary number, lowest weight first: a
// half adder where a column (with the carry from below) holds two bits, a full adder where it
// holds three, a wire where it holds one.
std::vector<std::string> AddColumns(CellBuilder& b,
                                    const std::vector<std::vector<std::string>>& cols) {
  std::vector<std::string> out;
  std::string carry;
  for (std::size_t k = 0; k < cols.size() || !carry.empty(); ++k) {
    std::vector<std::string> bits = k < cols.size() ? cols[k] : std::vector<std::string>{};
    if (!carry.empty()) {
      bits.push_back(carry);
    }
    carry.clear();
    if (bits.size() == 1) {
      out.push_back(bits[0]);
    } else if (bits.size() > 1) {
      auto [s, c] = b.Add(bits);
      out.push_back(s);
      carry = c;
    }
  }
  return out;
}

// A ripple-carry adder of two numbers given as nets per bit weight (missing bits are 0).
std::vector<std::string> RippleAdd(CellBuilder& b,
                                   const std::vector<std::string>& x,
                                   const std::vector<std::string>& y) {
  std::vector<std::vector<std::string>> cols(std::max(x.size(), y.size()));
  for (std::size_t k = 0; k < cols.size(); ++k) {
    if (k < x.size()) {
      cols[k].push_back(x[k]);
    }
    if (k < y.size()) {
      cols[k].push_back(y[k]);
    }
  }
  return AddColumns(b, cols);
}

// Wallace reduction of the columns of bits by weight, then the final ripple-carry adder.
std::vector<std::string> Wallace(CellBuilder& b, std::vector<std::vector<std::string>> cols) {
  auto tall = [&] {
    return std::any_of(cols.begin(), cols.end(), [](const auto& c) { return c.size() > 2; });
  };
  while (tall()) {
    std::vector<std::vector<std::string>> next(cols.size() + 1);
    for (std::size_t w = 0; w < cols.size(); ++w) {
      const auto& bits = cols[w];
      std::size_t i = 0;
      for (; bits.size() - i >= 3; i += 3) {
        auto [s, c] = b.Add({bits[i], bits[i + 1], bits[i + 2]});
        next[w].push_back(s);
        next[w + 1].push_back(c);
      }
      if (bits.size() - i == 2 && bits.size() > 2) {
        auto [s, c] = b.Add({bits[i], bits[i + 1]});
        next[w].push_back(s);
        next[w + 1].push_back(c);
        i += 2;
      }
      next[w].insert(next[w].end(), bits.begin() + static_cast<std::ptrdiff_t>(i), bits.end());
    }
    while (!next.empty() && next.back().empty()) {
      next.pop_back();
    }
    cols = std::move(next);
  }
  // At most two bits per weight: the final carry-propagate adder.
  return AddColumns(b, cols);
}

std::vector<std::string> RippleTree(CellBuilder& b, std::vector<std::vector<std::string>> ops) {
  while (ops.size() > 1) {
    std::vector<std::vector<std::string>> next;
    for (std::size_t i = 0; i < ops.size(); i += 2) {
      next.push_back(i + 1 < ops.size() ? RippleAdd(b, ops[i], ops[i + 1]) : ops[i]);
    }
    ops = std::move(next);
  }
  return ops.front();
}

std::string Mos(const std::string& name,
                const std::string& d,
                const std::string& g,
                const std::string& s,
                const std::string& bulk,
                const std::string& model,
                const char* w) {
  return name + " " + d + " " + g + " " + s + " " + bulk + " " + model + " w=" + w + " l=65e-9\n";
}

}  // namespace

AdderTreeStructure ParseAdderTreeStructure(const std::string& text) {
  if (text == "wallace") {
    return AdderTreeStructure::kWallace;
  }
  if (text == "ripple") {
    return AdderTreeStructure::kRippleTree;
  }
  throw UsageError("adder-tree structure '" + text + "' is not one of: wallace, ripple");
}

std::string AdderTreeStructureName(AdderTreeStructure s) {
  return s == AdderTreeStructure::kWallace ? "wallace" : "ripple";
}

int SumBits(long long inputs) {
  int bits = 0;
  while ((1LL << bits) < inputs + 1) {
    ++bits;
  }
  return bits;
}

AdderTree MakeAdderTree(int inputs, AdderTreeStructure structure) {
  if (inputs < 2 || inputs > 4096) {
    throw UsageError("adder tree: inputs must be 2..4096, got " + std::to_string(inputs));
  }
  CellBuilder b;
  std::vector<std::string> in;
  for (int i = 0; i < inputs; ++i) {
    in.push_back("in" + std::to_string(i));
  }
  std::vector<std::string> sum;
  if (structure == AdderTreeStructure::kWallace) {
    sum = Wallace(b, {in});
  } else {
    std::vector<std::vector<std::string>> ops;
    for (const auto& n : in) {
      ops.push_back({n});
    }
    sum = RippleTree(b, ops);
  }
  AdderTree t;
  t.inputs = inputs;
  t.output_bits = static_cast<int>(sum.size());
  t.name = "adder_tree_" + AdderTreeStructureName(structure) + std::to_string(inputs);
  if (t.output_bits < SumBits(inputs)) {
    throw Error("adder tree for " + std::to_string(inputs) + " inputs came out with " +
                std::to_string(t.output_bits) + " output bits");
  }
  // The sum's nets become the ports S0.. (each is a cell output: inputs >= 2).
  std::map<std::string, std::string> rename;
  for (std::size_t k = 0; k < sum.size(); ++k) {
    rename[sum[k]] = "s" + std::to_string(k);
  }
  auto name = [&](const std::string& n) {
    auto it = rename.find(n);
    return it == rename.end() ? n : it->second;
  };
  std::string s = "* adder tree (" + AdderTreeStructureName(structure) + "), " +
                  std::to_string(inputs) + " one-bit inputs (src/measure/digital_netlists.h)\n";
  s += ".subckt " + t.name;
  for (int i = 0; i < inputs; ++i) {
    s += (i % 16 == 0 ? "\n+" : "") + std::string(" in") + std::to_string(i);
  }
  s += "\n+";
  for (int k = 0; k < t.output_bits; ++k) {
    s += " s" + std::to_string(k);
  }
  s += " vdd vss\n";
  int nf = 0, nh = 0;
  for (const auto& c : b.cells()) {
    const std::string inst = c.full ? "xf" + std::to_string(nf++) : "xh" + std::to_string(nh++);
    s += inst;
    for (const auto& n : c.in) {
      s += " " + name(n);
    }
    s += " " + name(c.sum) + " " + name(c.carry) + " vdd vss " +
         (c.full ? "full_adder" : "half_adder") + "\n";
    for (const auto& out : {c.sum, c.carry}) {
      if (rename.count(out) == 0) {  // ports are the bench's nodes
        t.zero_state.push_back({out, 0});
      }
    }
    if (c.full) {
      t.zero_state.push_back({inst + ".cob", 1});
      t.zero_state.push_back({inst + ".sb", 1});
    } else {
      t.zero_state.push_back({inst + ".nd", 1});
      t.zero_state.push_back({inst + ".nr", 1});
    }
    t.depth = std::max(t.depth, b.Depth(c.sum));
  }
  s += ".ends " + t.name + "\n";
  t.subckt = s;
  t.full_adders = nf;
  t.half_adders = nh;
  return t;
}

Accumulator MakeAccumulator(int bits, const DeviceModels& m) {
  if (bits < 2 || bits > 64) {
    throw UsageError("accumulator: bits must be 2..64, got " + std::to_string(bits));
  }
  Accumulator a;
  a.bits = bits;
  a.name = "accumulator" + std::to_string(bits);
  auto k = [](int i) { return std::to_string(i); };
  std::string s = "* shift-and-add accumulator, " + k(bits) +
                  " bits (src/measure/digital_netlists.h)\n.subckt " + a.name;
  for (int i = 0; i < bits; ++i) {
    s += (i % 16 == 0 ? "\n+" : "") + std::string(" b") + k(i);
  }
  s += "\n+ shift ck";
  for (int i = 0; i < bits; ++i) {
    s += (i % 16 == 0 ? "\n+" : "") + std::string(" q") + k(i);
  }
  s += " vdd vss\n";
  s += "xck ck clk vdd vss line_driver\n";
  a.zero_state.push_back({"clk", 0});
  a.zero_state.push_back({"xck.inb", 1});
  s += Mos("mpsh", "shiftb", "shift", "vdd", "vdd", m.pmos, "400e-9");
  s += Mos("mnsh", "shiftb", "shift", "vss", "vss", m.nmos, "200e-9");
  a.zero_state.push_back({"shiftb", 1});
  for (int i = 0; i < bits; ++i) {
    const std::string q = "q" + k(i), lower = i == 0 ? "vss" : "q" + k(i - 1);
    const std::string x = "x" + k(i);  // the adder's A operand of bit i
    // Keep Q_i while SHIFT is low, take Q_(i-1) while it is high.
    s += Mos("mnk" + k(i), q, "shiftb", x, "vss", m.nmos, "200e-9");
    s += Mos("mpk" + k(i), q, "shift", x, "vdd", m.pmos, "400e-9");
    s += Mos("mns" + k(i), lower, "shift", x, "vss", m.nmos, "200e-9");
    s += Mos("mps" + k(i), lower, "shiftb", x, "vdd", m.pmos, "400e-9");
    a.zero_state.push_back({x, 0});
    const std::string sum = "d" + k(i), carry = "c" + k(i + 1);
    if (i == 0) {
      s += "xa0 " + x + " b0 " + sum + " " + carry + " vdd vss half_adder\n";
      a.zero_state.push_back({"xa0.nd", 1});
      a.zero_state.push_back({"xa0.nr", 1});
    } else {
      s += "xa" + k(i) + " " + x + " b" + k(i) + " c" + k(i) + " " + sum + " " +
           (i == bits - 1 ? "cout" : carry) + " vdd vss full_adder\n";
      a.zero_state.push_back({"xa" + k(i) + ".cob", 1});
      a.zero_state.push_back({"xa" + k(i) + ".sb", 1});
    }
    a.zero_state.push_back({sum, 0});
    a.zero_state.push_back({i == bits - 1 ? "cout" : carry, 0});
    s += "xr" + k(i) + " " + sum + " clk " + q + " vdd vss dff\n";
    for (const auto& [node, value] : std::vector<std::pair<const char*, int>>{
             {"m", 0}, {"mb", 1}, {"mf", 0}, {"s", 1}, {"sf", 1}, {"clkb", 1}}) {
      a.zero_state.push_back({"xr" + k(i) + "." + node, value});
    }
  }
  s += ".ends " + a.name + "\n";
  a.subckt = s;
  return a;
}

}  // namespace cimchar::measure
