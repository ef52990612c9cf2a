#include "distribute/comm.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "core/error.h"

namespace cimchar::distribute {

#if defined(CIMCHAR_HAVE_MPI)
// In mpi_comm.cpp.
std::unique_ptr<Comm> MakeMpiComm();
#endif

namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    return fallback;
  }
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  return end != nullptr && *end == '\0' ? static_cast<int>(n) : fallback;
}

class SingleProcess final : public Comm {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string Describe() const override { return "the only process"; }
  std::string Broadcast(const std::string& bytes) override { return bytes; }
  std::vector<std::string> Gather(const std::string& bytes) override { return {bytes}; }
  void Send(Tag, std::string) override {
    throw Error("internal: a single process has no root to send to");
  }
  std::optional<Message> Poll() override { return std::nullopt; }
  void Flush() override {}
  [[noreturn]] void Abort(int code) override {
    std::fflush(nullptr);
    std::_Exit(code);
  }
};

}  // namespace

Launch LaunchedBy() {
  Launch launch;
  if (std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr) {  // Open MPI's mpirun
    launch.by_mpi = true;
    launch.rank = EnvInt("OMPI_COMM_WORLD_RANK", 0);
    launch.size = EnvInt("OMPI_COMM_WORLD_SIZE", 0);
  } else if (std::getenv("PMI_SIZE") != nullptr) {  // MPICH's Hydra, srun --mpi=pmi2
    launch.by_mpi = true;
    launch.rank = EnvInt("PMI_RANK", 0);
    launch.size = EnvInt("PMI_SIZE", 0);
  } else if (std::getenv("PMIX_RANK") != nullptr) {  // PMIx launchers (srun --mpi=pmix, prterun)
    launch.by_mpi = true;
    launch.rank = EnvInt("PMIX_RANK", 0);
    launch.size = 0;
  }
  return launch;
}

bool BuiltWithMpi() {
#if defined(CIMCHAR_HAVE_MPI)
  return true;
#else
  return false;
#endif
}

void CheckLaunch(const Launch& launch, bool built_with_mpi) {
  if (!built_with_mpi && launch.by_mpi && (launch.rank != 0 || launch.size > 1)) {
    throw UsageError(
        "an MPI launcher started this process (rank " + std::to_string(launch.rank) +
        (launch.size > 0 ? " of " + std::to_string(launch.size) : std::string()) +
        "), but this cimchar was built without MPI, so every rank would run the whole sweep. "
        "Install libopenmpi-dev and rebuild (tools/deps.sh lists it), or run without mpirun");
  }
}

Comm& World() {
  static std::unique_ptr<Comm> world;
  if (world) {
    return *world;
  }
  const Launch launch = LaunchedBy();
  CheckLaunch(launch, BuiltWithMpi());
#if defined(CIMCHAR_HAVE_MPI)
  if (launch.by_mpi) {
    world = MakeMpiComm();
    return *world;
  }
#endif
  world = std::make_unique<SingleProcess>();
  return *world;
}

}  // namespace cimchar::distribute
