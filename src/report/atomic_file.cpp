#include "report/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/error.h"

namespace cimchar::report {

namespace {

std::string SystemReason(int error_number) { return std::strerror(error_number); }

// Writes `contents` to a new file at `path` and syncs it; throws with the reason on failure and
// removes what it created.
void WriteAndSync(const std::filesystem::path& path,
                  const std::string& contents,
                  const std::filesystem::path& destination) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error_number = errno;
    throw Error("cannot write " + destination.string() + ": " + SystemReason(error_number) +
                " (check that the folder exists and is writable)");
  }
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int error_number = errno;
      ::close(fd);
      ::unlink(path.c_str());
      throw Error("cannot write " + destination.string() + ": " + SystemReason(error_number));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int error_number = errno;
    ::unlink(path.c_str());
    throw Error("cannot write " + destination.string() + ": " + SystemReason(error_number));
  }
}

}  // namespace

std::filesystem::path TemporarySibling(const std::filesystem::path& destination) {
  static std::atomic<unsigned long> counter{0};
  const auto name = "." + destination.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                    "-" + std::to_string(counter.fetch_add(1));
  return destination.parent_path() / name;
}

void CommitTemporary(const std::filesystem::path& temporary,
                     const std::filesystem::path& destination) {
  std::error_code ec;
  std::filesystem::rename(temporary, destination, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    throw Error("cannot move " + temporary.string() + " into place as " + destination.string() +
                ": " + ec.message());
  }
}

void WriteFilesAtomically(const std::vector<PendingFile>& files) {
  std::vector<std::filesystem::path> temporaries;
  temporaries.reserve(files.size());
  auto remove_temporaries = [&temporaries]() {
    for (const auto& t : temporaries) {
      std::error_code ignored;
      std::filesystem::remove(t, ignored);
    }
  };
  try {
    for (const auto& file : files) {
      if (file.path.filename().empty()) {
        throw Error("cannot write \"" + file.path.string() + "\": it names a folder, not a file");
      }
      const auto parent =
          file.path.parent_path().empty() ? std::filesystem::path(".") : file.path.parent_path();
      std::error_code ec;
      if (!std::filesystem::is_directory(parent, ec)) {
        throw Error("cannot write " + file.path.string() + ": the folder " + parent.string() +
                    " does not exist");
      }
      auto temporary = TemporarySibling(parent / file.path.filename());
      WriteAndSync(temporary, file.contents, file.path);
      temporaries.push_back(std::move(temporary));
    }
  } catch (...) {
    remove_temporaries();
    throw;
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto parent = files[i].path.parent_path().empty() ? std::filesystem::path(".")
                                                            : files[i].path.parent_path();
    try {
      CommitTemporary(temporaries[i], parent / files[i].path.filename());
    } catch (...) {
      temporaries.erase(temporaries.begin(), temporaries.begin() + static_cast<long>(i) + 1);
      remove_temporaries();
      throw;
    }
  }
}

}  // namespace cimchar::report
