#include "distribute/run.h"

#include <sched.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <thread>

#include "core/error.h"
#include "core/progress.h"
#include "distribute/comm.h"
#include "distribute/shard.h"
#include "distribute/wire.h"

namespace cimchar::distribute {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::atomic<int> g_stop_signal{0};

extern "C" void OnStopSignal(int sig) { g_stop_signal.store(sig); }

// Installs SIGINT/SIGTERM handlers for the scope of a run and restores the old ones.
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal.store(0);
    struct sigaction sa {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  bool stopped() const { return g_stop_signal.load() != 0; }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

struct Interrupted {};

// Runs `step` on this rank; then every rank goes on, or every rank throws the first failure (in
// rank order) that any rank had, so that a run that cannot start stops everywhere alike.
// Returns the seconds spent agreeing (waiting for the other ranks included), `step` excepted.
double Together(Comm& comm, const std::function<void()>& step) {
  if (comm.size() == 1) {
    step();
    return 0.0;
  }
  std::string mine;  // "" ok, "U<message>" usage error, "E<message>" other error
  const std::string who = comm.root() ? "" : comm.Describe() + ": ";
  try {
    step();
  } catch (const UsageError& e) {
    mine = "U" + who + e.what();
  } catch (const std::exception& e) {
    mine = "E" + who + e.what();
  }
  const auto agree = Clock::now();
  std::string first;
  for (const std::string& m : comm.Gather(mine)) {
    if (!m.empty()) {
      first = m;
      break;
    }
  }
  first = comm.Broadcast(first);
  if (first.empty()) {
    return Since(agree);
  }
  if (first.front() == 'U') {
    throw UsageError(first.substr(1));
  }
  throw Error(first.substr(1));
}

void WarnIfFewerCpusThanWorkers(int jobs, const Comm& comm) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) {
    return;
  }
  const int cpus = CPU_COUNT(&set);
  if (cpus >= jobs) {
    return;
  }
  const std::string who = comm.size() > 1 ? " (" + comm.Describe() + ")" : "";
  std::fprintf(stderr,
               "cimchar%s: warning: %d workers share the %d CPU%s this process is bound to; under "
               "mpirun give each rank as many cores as --jobs (e.g. mpirun --map-by "
               "slot:PE=%d) or use --bind-to none\n",
               who.c_str(), jobs, cpus, cpus == 1 ? "" : "s", jobs);
}

std::string EncodeProgress(std::uint64_t done, std::uint64_t failed) {
  wire::Writer w;
  w.U64(done);
  w.U64(failed);
  return w.Take();
}

std::string EncodeSummary(const RunSummary& s) {
  wire::Writer w;
  w.U64(s.samples_run);
  w.U64(s.failed);
  w.U64(s.retried);
  w.F64(s.analysis_s);
  w.U64(s.interrupted ? 1 : 0);
  w.U64(s.failures_by_reason.size());
  for (const auto& [reason, n] : s.failures_by_reason) {
    w.Str(reason);
    w.U64(n);
  }
  return w.Take();
}

// Adds a rank's summary to the root's; returns whether that rank was interrupted.
bool AddSummary(const std::string& bytes, RunSummary& into) {
  wire::Reader r(bytes);
  into.samples_run += r.U64();
  into.failed += r.U64();
  into.retried += r.U64();
  into.analysis_s += r.F64();
  const bool interrupted = r.U64() != 0;
  const std::uint64_t reasons = r.U64();
  for (std::uint64_t i = 0; i < reasons; ++i) {
    std::string reason = r.Str();
    into.failures_by_reason[reason] += r.U64();
  }
  return interrupted;
}

// One bit per sample of the run (flat index), set when the sample is still to be simulated.
std::string PendingBits(const lut::RunSpec& spec, const std::vector<lut::SampleKey>& pending) {
  std::string bits((spec.SampleCount() + 7) / 8, '\0');
  for (const auto& key : pending) {
    const std::uint64_t flat = spec.Flat(key);
    bits[flat / 8] = static_cast<char>(bits[flat / 8] | (1 << (flat % 8)));
  }
  return bits;
}

std::vector<lut::SampleKey> PendingFromBits(const lut::RunSpec& spec, const std::string& bits) {
  std::vector<lut::SampleKey> pending;
  for (std::uint64_t flat = 0; flat < spec.SampleCount(); ++flat) {
    if ((static_cast<unsigned char>(bits[flat / 8]) >> (flat % 8)) & 1U) {
      pending.push_back(spec.KeyAt(flat));
    }
  }
  return pending;
}

}  // namespace

RunSummary RunSamples(const lut::RunSpec& spec,
                      const lut::Provenance& provenance,
                      SampleTask& task,
                      const RunOptions& options) {
  if (options.jobs < 1) {
    throw UsageError("--jobs must be >= 1 (got " + std::to_string(options.jobs) + ")");
  }
  if (options.out.empty()) {
    throw UsageError("no output file given (--out F.h5)");
  }
  spec.Validate();
  const auto t0 = Clock::now();
  // The pool (its spawner) first: nothing may be forked after MPI_Init.
  spice::PoolOptions pool_options;
  pool_options.workers = options.jobs;
  std::unique_ptr<spice::WorkerPool> pool =
      options.engine ? std::make_unique<spice::WorkerPool>(pool_options, options.engine)
                     : std::make_unique<spice::WorkerPool>(pool_options);
  Comm& comm = World();
  const bool root = comm.root();
  const bool several = comm.size() > 1;
  WarnIfFewerCpusThanWorkers(options.jobs, comm);

  RunSummary summary;
  summary.ranks = comm.size();
  summary.rank = comm.rank();
  summary.grid_points = spec.GridPointCount();
  summary.samples_total = spec.ShardSampleCount();

  // Start-up, collectively: rank 0 opens the run (creating or resuming its journal), then the
  // others open their journal parts (which checks that they see the same run), then rank 0 says
  // which samples are left and every rank takes its share.
  lut::WriterOptions writer_options;
  writer_options.snapshot_every_s = options.snapshot_every_s;
  std::unique_ptr<lut::RunWriter> writer;
  std::unique_ptr<lut::JournalPartWriter> part;
  summary.coordination_s += Together(comm, [&] {
    if (root) {
      writer = options.resume
                   ? lut::RunWriter::Resume(options.out, spec, provenance, writer_options)
                   : lut::RunWriter::Create(options.out, spec, provenance, writer_options);
    }
  });
  summary.coordination_s += Together(comm, [&] {
    if (!root) {
      part = lut::JournalPartWriter::Open(options.out, static_cast<unsigned>(comm.rank()), spec,
                                          provenance, writer_options);
    }
  });
  const auto deal = Clock::now();
  const std::vector<lut::SampleKey> pending =
      several ? PendingFromBits(spec, comm.Broadcast(root ? PendingBits(spec, writer->Pending())
                                                          : std::string()))
              : writer->Pending();
  const std::vector<lut::SampleKey> mine = Deal(pending, comm.rank(), comm.size());
  summary.samples_resumed = summary.samples_total - pending.size();
  if (several) {
    summary.coordination_s += Since(deal);
  }

  StopSignals signals;
  std::optional<core::Progress> progress;
  if (root) {
    progress.emplace(options.label, summary.samples_total, summary.samples_resumed,
                     options.progress ? stderr : nullptr);
  }

  // Samples being simulated (by slot), their jobs waiting for a worker, and which job the pool
  // holds under which id.
  struct Active {
    lut::SampleKey key;
    int round = 0;
    std::vector<spice::RunResult> results;
    std::size_t outstanding = 0;
  };
  struct Ready {
    std::uint64_t slot = 0;
    std::size_t index = 0;
    spice::Job job;
  };
  std::map<std::uint64_t, Active> active;
  std::deque<Ready> ready;
  std::map<std::uint64_t, std::pair<std::uint64_t, std::size_t>> job_of;
  std::uint64_t next_slot = 0;
  std::uint64_t next_id = 0;
  std::size_t next_sample = 0;
  // Progress this rank has not reported to rank 0 yet (ranks other than 0).
  std::uint64_t unreported_done = 0;
  std::uint64_t unreported_failed = 0;
  auto last_report = Clock::now();
  // Rank 0: which ranks said they are done, and whether one was interrupted.
  int ranks_done = 1;
  bool other_interrupted = false;
  auto last_refresh = Clock::now();

  auto queue_jobs = [&](std::uint64_t slot, std::vector<spice::Job>&& jobs) {
    if (jobs.empty()) {
      throw Error("internal: a sample step has neither jobs nor a record");
    }
    Active& a = active.at(slot);
    a.results.assign(jobs.size(), spice::RunResult{});
    a.outstanding = jobs.size();
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      ready.push_back(Ready{.slot = slot, .index = i, .job = std::move(jobs[i])});
    }
  };
  auto report = [&](bool now) {
    if (unreported_done == 0 || (!now && Since(last_report) < options.report_every_s)) {
      return;
    }
    comm.Send(Tag::kProgress, EncodeProgress(unreported_done, unreported_failed));
    unreported_done = 0;
    unreported_failed = 0;
    last_report = Clock::now();
  };
  // Rank 0: takes in what the other ranks sent; returns whether there was anything.
  auto drain = [&] {
    const auto t = Clock::now();
    bool any = false;
    while (std::optional<Message> m = comm.Poll()) {
      any = true;
      if (m->tag == Tag::kProgress) {
        wire::Reader r(m->bytes);
        const std::uint64_t done = r.U64();
        const std::uint64_t failed = r.U64();
        progress->Advance(done, failed);
      } else if (m->tag == Tag::kDone) {
        other_interrupted = AddSummary(m->bytes, summary) || other_interrupted;
        ++ranks_done;
      }
    }
    summary.coordination_s += Since(t);
    return any;
  };
  // Rank 0: reads the other ranks' journal parts now and then (each snapshot reads them too).
  auto refresh_due = [&] {
    if (Since(last_refresh) < options.snapshot_every_s) {
      return;
    }
    const auto t = Clock::now();
    writer->Refresh();
    summary.coordination_s += Since(t);
    last_refresh = Clock::now();
    writer->SnapshotIfDue();
  };
  auto finish = [&](lut::Record&& record) {
    const bool failed = record.status == lut::SampleStatus::kFailed;
    if (failed) {
      ++summary.failed;
      ++summary.failures_by_reason[record.reason.substr(0, record.reason.find(':'))];
    }
    if (root) {
      writer->Append(std::move(record));
      progress->Step(failed);
    } else {
      part->Append(std::move(record));
      ++unreported_done;
      unreported_failed += failed ? 1 : 0;
    }
    ++summary.samples_run;
  };
  auto source = [&](spice::Job& job, std::uint64_t& id) {
    if (ready.empty() && next_sample < mine.size()) {
      const std::uint64_t slot = next_slot++;
      active[slot].key = mine[next_sample];
      queue_jobs(slot, task.Begin(mine[next_sample]));
      ++next_sample;
    }
    if (ready.empty()) {
      return false;
    }
    Ready r = std::move(ready.front());
    ready.pop_front();
    id = next_id++;
    job_of.emplace(id, std::make_pair(r.slot, r.index));
    job = std::move(r.job);
    return true;
  };
  auto on_done = [&](std::uint64_t id, spice::RunResult&& result) {
    summary.analysis_s += result.analysis_s;
    if (signals.stopped() && result.outcome == spice::Outcome::kFatal) {
      throw Interrupted{};  // the worker died of the same Ctrl-C: rerun on resume
    }
    const auto [slot, index] = job_of.at(id);
    job_of.erase(id);
    Active& a = active.at(slot);
    a.results.at(index) = std::move(result);
    if (--a.outstanding == 0) {
      Step step = task.Continue(a.key, a.round, std::move(a.results));
      if (step.record) {
        if (step.record->grid_point != a.key.grid_point || step.record->sample != a.key.sample) {
          throw Error("internal: a sample's record names another sample");
        }
        active.erase(slot);
        finish(std::move(*step.record));
      } else {
        ++a.round;
        summary.retried += step.retry ? 1 : 0;
        queue_jobs(slot, std::move(step.jobs));
      }
    }
    if (signals.stopped()) {
      throw Interrupted{};
    }
    if (!root) {
      report(false);
    }
  };
  auto tick = [&] {
    if (signals.stopped()) {
      throw Interrupted{};
    }
    if (!root) {
      report(false);
    } else if (several) {
      drain();
      refresh_due();
    } else {
      writer->SnapshotIfDue();
    }
  };

  try {
    try {
      pool->Stream(source, on_done, tick, std::min(0.5, options.report_every_s));
      if (!root) {
        // On the file server before rank 0 hears that this rank is done (it reads the part then).
        part->Sync();
        report(true);
        comm.Send(Tag::kDone, EncodeSummary(summary));
        comm.Flush();
      } else {
        const auto wait_start = Clock::now();
        while (ranks_done < comm.size()) {
          if (signals.stopped()) {
            throw Interrupted{};
          }
          if (!drain()) {
            refresh_due();
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
          }
        }
        summary.waited_s = Since(wait_start);
        const auto t = Clock::now();
        writer->Refresh();
        summary.coordination_s += several ? Since(t) : 0.0;
        if (other_interrupted) {
          throw Interrupted{};
        }
        if (writer->done_count() < writer->total_count()) {
          const auto missing = writer->Pending();
          throw Error("every rank finished, but " + std::to_string(missing.size()) +
                      " samples are in no journal part (the first: " +
                      spec.DescribeGridPoint(missing.front().grid_point) + ", sample " +
                      std::to_string(missing.front().sample) +
                      "); run the same command with --resume to simulate them");
        }
        progress->Finish();
        // A shard's tables would describe part of the dies: they come with the merge.
        writer->Finalize(spec.shard.whole() ? task.Tables(writer->Records())
                                            : std::vector<lut::QuantityTable>{});
      }
    } catch (const Interrupted&) {
      summary.interrupted = true;
      comm.Abandon();
      if (root) {
        progress->Finish();
        std::fputs(options.interrupted_message.c_str(), stderr);
        std::fflush(stderr);
        writer->Snapshot();
      } else {
        part->Sync();
        report(true);
        comm.Send(Tag::kDone, EncodeSummary(summary));
      }
    }
  } catch (const std::exception& e) {
    if (!several) {
      throw;
    }
    // Only this rank knows: say it here, then end the whole job (the journals keep every
    // finished sample).
    std::fprintf(stderr, "cimchar: %s: error: %s\n", comm.Describe().c_str(), e.what());
    comm.Abort(1);
  }
  summary.wall_s = Since(t0);
  return summary;
}

}  // namespace cimchar::distribute
