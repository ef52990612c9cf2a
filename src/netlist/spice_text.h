#pragma once

// SPICE text as the netlist layer reads it (devices.cpp, library.cpp): logical lines with their
// continuation lines joined and comments removed, tokenized the way ngspice matches names (lower
// case). Internal to src/netlist.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cimchar::netlist::spice {

struct Line {
  std::string origin;               // the deck or file the line is from, for messages
  int number = 0;                   // its first physical line
  std::string text;                 // the joined logical line as written (case kept)
  std::vector<std::string> tokens;  // lower case; `k = v` folded to `k=v`; braces kept whole
  // "deck line 12" or "models.lib line 40".
  std::string Where() const;
};

// The logical lines of `text`: continuation lines (`+`) joined, `*` comment lines and inline `$`
// and `;` comments dropped, blank lines skipped. With `title`, the first line is the title (a deck)
// and skipped. Pure.
std::vector<Line> LogicalLines(std::string_view text, const std::string& origin, bool title);

// `.lib` and `.include` arguments: whitespace-separated, double or single quotes removed. Pure.
std::vector<std::string> Arguments(std::string_view text);

std::string Lower(std::string_view s);

// "k=v" -> {k, v}; a token without '=' -> {token, ""}.
std::pair<std::string, std::string> SplitAssign(const std::string& token);

}  // namespace cimchar::netlist::spice
