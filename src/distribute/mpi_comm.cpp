// The MPI communicator (built only when CMake found MPI).
#include <mpi.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>

#include "core/error.h"
#include "distribute/comm.h"

namespace cimchar::distribute {
namespace {

std::string MpiText(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) {
    return "MPI error " + std::to_string(code);
  }
  return std::string(text, static_cast<std::size_t>(length));
}

void Check(int code, const char* what) {
  if (code != MPI_SUCCESS) {
    throw Error(std::string("MPI: ") + what + " failed: " + MpiText(code));
  }
}

class MpiComm final : public Comm {
 public:
  MpiComm() {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (initialised == 0) {
      Check(MPI_Init(nullptr, nullptr), "MPI_Init");
    }
    // Errors come back as codes (thrown as cimchar::Error) instead of aborting here.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    Check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    Check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
    char name[MPI_MAX_PROCESSOR_NAME];
    int length = 0;
    if (MPI_Get_processor_name(name, &length) == MPI_SUCCESS) {
      host_.assign(name, static_cast<std::size_t>(length));
    }
  }

  ~MpiComm() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized == 0 && !abandoned_) {
      try {
        Flush();
      } catch (...) {
      }
      MPI_Finalize();
    }
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string Describe() const override {
    return "rank " + std::to_string(rank_) + " of " + std::to_string(size_) +
           (host_.empty() ? "" : " (" + host_ + ")");
  }

  std::string Broadcast(const std::string& bytes) override {
    std::uint64_t n = bytes.size();
    Check(MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
    std::string out = rank_ == 0 ? bytes : std::string(n, '\0');
    for (std::uint64_t at = 0; at < n; at += kChunk) {
      const int count = static_cast<int>(std::min<std::uint64_t>(kChunk, n - at));
      Check(MPI_Bcast(out.data() + at, count, MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast");
    }
    return out;
  }

  std::vector<std::string> Gather(const std::string& bytes) override {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
      throw Error("MPI: a gathered message is larger than 2 GiB");
    }
    const int n = static_cast<int>(bytes.size());
    std::vector<int> counts(rank_ == 0 ? static_cast<std::size_t>(size_) : 0);
    Check(MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
    std::vector<int> offsets(counts.size());
    std::string all;
    if (rank_ == 0) {
      long long total = 0;
      for (std::size_t r = 0; r < counts.size(); ++r) {
        offsets[r] = static_cast<int>(total);
        total += counts[r];
      }
      if (total > INT_MAX) {
        throw Error("MPI: the gathered messages are larger than 2 GiB");
      }
      all.resize(static_cast<std::size_t>(total));
    }
    Check(MPI_Gatherv(bytes.data(), n, MPI_BYTE, all.data(), counts.data(), offsets.data(),
                      MPI_BYTE, 0, MPI_COMM_WORLD),
          "MPI_Gatherv");
    std::vector<std::string> out;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      out.push_back(
          all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(counts[r])));
    }
    return out;
  }

  void Send(Tag tag, std::string bytes) override {
    Reap(false);
    sent_.push_back(Outgoing{std::move(bytes), MPI_REQUEST_NULL});
    Outgoing& o = sent_.back();
    Check(MPI_Isend(o.bytes.data(), static_cast<int>(o.bytes.size()), MPI_BYTE, 0,
                    static_cast<int>(tag), MPI_COMM_WORLD, &o.request),
          "MPI_Isend");
  }

  std::optional<Message> Poll() override {
    int arrived = 0;
    MPI_Status status;
    Check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &arrived, &status), "MPI_Iprobe");
    if (arrived == 0) {
      return std::nullopt;
    }
    int count = 0;
    Check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
    Message m;
    m.from = status.MPI_SOURCE;
    m.tag = static_cast<Tag>(status.MPI_TAG);
    m.bytes.assign(static_cast<std::size_t>(count), '\0');
    Check(MPI_Recv(m.bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG,
                   MPI_COMM_WORLD, MPI_STATUS_IGNORE),
          "MPI_Recv");
    return m;
  }

  void Flush() override { Reap(true); }

  void Abandon() override { abandoned_ = true; }

  [[noreturn]] void Abort(int code) override {
    std::fflush(nullptr);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

 private:
  static constexpr std::uint64_t kChunk = std::uint64_t{1} << 30;

  struct Outgoing {
    std::string bytes;
    MPI_Request request;
  };

  // Drops the sends that completed; with `wait`, waits for all of them.
  void Reap(bool wait) {
    while (!sent_.empty()) {
      int done = 0;
      if (wait) {
        Check(MPI_Wait(&sent_.front().request, MPI_STATUS_IGNORE), "MPI_Wait");
        done = 1;
      } else {
        Check(MPI_Test(&sent_.front().request, &done, MPI_STATUS_IGNORE), "MPI_Test");
      }
      if (done == 0) {
        return;
      }
      sent_.pop_front();
    }
  }

  int rank_ = 0;
  int size_ = 1;
  std::string host_;
  std::deque<Outgoing> sent_;
  bool abandoned_ = false;
};

}  // namespace

std::unique_ptr<Comm> MakeMpiComm() { return std::make_unique<MpiComm>(); }

}  // namespace cimchar::distribute
