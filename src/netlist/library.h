#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "netlist/spice_text.h"

namespace cimchar::netlist {

// What one section of a SPICE model library defines, read the way ngspice loads
// `.lib FILE SECTION`: the section's lines, following its nested `.lib FILE SECTION` and
// `.include FILE` lines (relative paths from the including file's folder). Open PDKs (sky130,
// gf180) define their transistors as subcircuits wrapping a MOSFET model; project cards such as
// the PTM ones as MOSFET models.
struct LibrarySection {
  std::filesystem::path file;
  std::string section;                // as asked
  std::set<std::string> models;       // `.model` names, lower case
  std::set<std::string> subcircuits;  // `.subckt` names, lower case
  // The lines of every subcircuit definition (.subckt ... .ends), in file order, each naming its
  // file and line.
  std::vector<spice::Line> subcircuit_lines;
  std::vector<std::filesystem::path> files;  // every file read
  // "nch, pch, nfet_1v0" (models and subcircuits, sorted), for messages.
  std::string DefinedNames() const;
};

// Reads one section of a library (section names are case-insensitive). Results are cached per
// file, section and the files' modification times. Failures: cimchar::Error naming the file for
// a file that cannot be read, a section it does not have (naming those it has), a section without
// its `.endl`, or a `.lib`/`.include` cycle. Thread-safe.
std::shared_ptr<const LibrarySection> ReadLibrarySection(const std::filesystem::path& file,
                                                         const std::string& section);

// Every `.lib FILE SECTION` line of a rendered deck, as (FILE, SECTION) with FILE as written
// (unquoted). Pure.
std::vector<std::pair<std::string, std::string>> LibraryLines(std::string_view deck);

// Writes the transistors of a rendered deck in the form its libraries define them: an `M` line
// whose model is a subcircuit of a library section the deck loads becomes an `X` instance of that
// subcircuit, its name prefixed with `x` (`mpd out in vss vss nfet w=.. l=..` becomes
// `xmpd out in vss vss nfet w=.. l=..`); ngspice then names the MOSFET inside it
// `m.<path>.xmpd.<its name>`. A deck whose libraries define their transistors as models comes
// back unchanged. Failures: those of ReadLibrarySection. Thread-safe.
std::string InstantiateLibrarySubcircuits(std::string_view deck);

}  // namespace cimchar::netlist
