#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace cimchar::report {

// One file to be written: where, and its complete contents.
struct PendingFile {
  std::filesystem::path path;
  std::string contents;
};

// Writes every file to a temporary file in its destination folder (synced to disk), then
// renames all of them into place, so a reader never sees a half-written file. If any file cannot
// be written, every temporary file is removed, nothing is renamed, and cimchar::Error names the
// path and the system's reason. The destination folders must exist. Thread-safe for distinct
// destination paths.
void WriteFilesAtomically(const std::vector<PendingFile>& files);

// A unique temporary path next to `destination` (same folder, hidden name carrying the process id
// and a counter), for producers such as gnuplot that write the file themselves. Thread-safe.
std::filesystem::path TemporarySibling(const std::filesystem::path& destination);

// Renames `temporary` onto `destination` (atomic on POSIX within one file system); on failure
// removes `temporary` and throws cimchar::Error naming both. Thread-safe.
void CommitTemporary(const std::filesystem::path& temporary,
                     const std::filesystem::path& destination);

}  // namespace cimchar::report
