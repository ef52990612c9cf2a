#include "network/study.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>

#include "core/error.h"
#include "core/paths.h"
#include "mac/evaluate.h"
#include "mac/random.h"
#include "mac/readout.h"
#include "network/oracle.h"
#include "network/task_loss.h"
#include "report/atomic_file.h"

namespace cimchar::network {

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

mac::RunOptions OsaBase(const StudyOptions& options) {
  mac::RunOptions o;
  o.mode = mac::Mode::kOsaHcim;
  o.ose.orders = options.ose_orders;
  o.ose.saliency = options.saliency;
  o.ose.candidates = options.candidates;
  o.compensate_discard = options.compensate;
  return o;
}

// LayerOsa::quarter_passes and quarter_cost from the calibration loss.
void QuarterCosts(const mac::LossData& loss, std::size_t candidates, LayerOsa& lo) {
  constexpr int kQuarters = 4;
  const std::size_t passes = loss.saliency.size();
  std::vector<std::int64_t> sorted(loss.saliency);
  std::sort(sorted.begin(), sorted.end());
  // Quarter q holds S in [edge[q], edge[q+1]).
  std::vector<std::int64_t> edge(kQuarters + 1);
  for (int q = 0; q < kQuarters; ++q) {
    edge[static_cast<std::size_t>(q)] = sorted[passes * static_cast<std::size_t>(q) / kQuarters];
  }
  edge[kQuarters] = sorted.back() + 1;
  auto quarter = [&](std::int64_t s) {
    int q = 0;
    while (q + 1 < kQuarters && s >= edge[static_cast<std::size_t>(q) + 1]) {
      ++q;
    }
    return q;
  };
  lo.quarter_passes.assign(kQuarters, 0.0);
  for (std::int64_t s : loss.saliency) {
    lo.quarter_passes[static_cast<std::size_t>(quarter(s))] += 1.0 / static_cast<double>(passes);
  }
  for (std::size_t m = 0; m + 1 < candidates; ++m) {
    std::vector<int> choice(passes, static_cast<int>(m));
    const double base = loss.loss(choice);
    const double all = lo.candidate_loss[m + 1] - base;
    std::vector<double> share(kQuarters, 0.0);
    for (int q = 0; q < kQuarters; ++q) {
      for (std::size_t p = 0; p < passes; ++p) {
        choice[p] = quarter(loss.saliency[p]) == q ? static_cast<int>(m + 1) : static_cast<int>(m);
      }
      share[static_cast<std::size_t>(q)] = all > 0.0 ? (loss.loss(choice) - base) / all : 0.0;
    }
    lo.quarter_cost.push_back(std::move(share));
  }
}

std::string Percent(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", 100.0 * x);
  return b;
}

}  // namespace

OsaLoss ParseOsaLoss(const std::string& text) {
  for (OsaLoss loss : {OsaLoss::kMse, OsaLoss::kTask, OsaLoss::kTaskErrors}) {
    if (text == OsaLossName(loss)) {
      return loss;
    }
  }
  throw UsageError("unknown OSA loss '" + text +
                   "'; use mse (the layer's MAC-output MSE), task (the network's cross-entropy) or "
                   "task-errors (its error rate)");
}

std::string OsaLossName(OsaLoss loss) {
  return loss == OsaLoss::kMse ? "mse" : loss == OsaLoss::kTask ? "task" : "task-errors";
}

double SaliencyRank::Mean() const {
  double sum = 0.0;
  for (double r : spearman) {
    sum += r;
  }
  return spearman.empty() ? 0.0 : sum / static_cast<double>(spearman.size());
}

double SpearmanCorrelation(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size()) {
    throw UsageError("rank correlation of " + std::to_string(x.size()) + " and " +
                     std::to_string(y.size()) + " values");
  }
  const std::size_t n = x.size();
  if (n < 2) {
    return 0.0;
  }
  auto ranks = [n](std::span<const double> v) {
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) {
      order[i] = i;
    }
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
    std::vector<double> r(n);
    for (std::size_t i = 0; i < n;) {
      std::size_t j = i;
      while (j + 1 < n && v[order[j + 1]] == v[order[i]]) {
        ++j;
      }
      const double mean = 0.5 * static_cast<double>(i + j);
      for (std::size_t k = i; k <= j; ++k) {
        r[order[k]] = mean;
      }
      i = j + 1;
    }
    return r;
  };
  const std::vector<double> rx = ranks(x);
  const std::vector<double> ry = ranks(y);
  const double mean = 0.5 * static_cast<double>(n - 1);
  double sxy = 0.0, sxx = 0.0, syy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  return sxx > 0.0 && syy > 0.0 ? sxy / std::sqrt(sxx * syy) : 0.0;
}

namespace {

// The loss at level y (B_D/A units) between the candidates around it.
double LevelLoss(const std::vector<int>& candidates,
                 const std::vector<double>& candidate_loss,
                 double y) {
  std::size_t k = 0;
  while (k + 2 < candidates.size() && y > candidates[k + 1]) {
    ++k;
  }
  const double f = (y - candidates[k]) / (candidates[k + 1] - candidates[k]);
  const double lo = candidate_loss[k];
  const double hi = std::max(lo, candidate_loss[k + 1]);
  return lo > 0.0 ? std::exp((1.0 - f) * std::log(lo) + f * std::log(hi)) : lo + f * (hi - lo);
}

}  // namespace

std::vector<double> LevelLimits(const std::vector<int>& candidates,
                                const std::vector<double>& candidate_loss,
                                double level,
                                double spread) {
  if (candidates.size() < 2 || candidate_loss.size() != candidates.size()) {
    throw UsageError("OSA-HCIM needs at least 2 B_D/A candidates, each with its loss");
  }
  if (!(level >= candidates.front() && level <= candidates.back())) {
    throw UsageError("OSA level " + std::to_string(level) + " is outside the candidates " +
                     std::to_string(candidates.front()) + ".." + std::to_string(candidates.back()));
  }
  if (!(spread >= 0.0)) {
    throw UsageError("OSA limit spread " + std::to_string(spread) + " must be >= 0");
  }
  const std::size_t steps = candidates.size() - 1;
  std::vector<double> limits(steps);
  for (std::size_t i = 0; i < steps; ++i) {
    const double middle = 0.5 * (candidates[i] + candidates[i + 1]);
    const double y = std::min(level, std::max(level - spread, middle));
    limits[i] = std::max(i > 0 ? limits[i - 1] : 0.0, LevelLoss(candidates, candidate_loss, y));
  }
  return limits;
}

namespace {

// The first `count` images of `images` (all when count < 0 or beyond).
ImageSet FirstImages(const ImageSet& images, std::int64_t count) {
  if (count < 0 || count >= images.Count()) {
    return images;
  }
  ImageSet subset = images;
  const auto size =
      static_cast<std::size_t>(images.height) * static_cast<std::size_t>(images.width);
  subset.pixels.resize(static_cast<std::size_t>(count) * size);
  subset.labels.resize(static_cast<std::size_t>(count));
  subset.source += " (first " + std::to_string(count) + ")";
  return subset;
}

// The input vectors of the next layer of every image's maps, concatenated in image order.
std::vector<std::int32_t> LayerVectors(const std::vector<FeatureMaps>& maps) {
  std::vector<std::int32_t> all, patches;
  for (const FeatureMaps& m : maps) {
    m.Patches(patches);
    all.insert(all.end(), patches.begin(), patches.end());
  }
  return all;
}

// The N/Q full scale of `options` on `vectors` (each the layer's Length()).
int FullScale(const mac::MacArray& array,
              const mac::RunOptions& options,
              const std::shared_ptr<const std::vector<std::int32_t>>& vectors,
              const StudyOptions& study) {
  const int length = array.Length();
  const std::int64_t count = static_cast<std::int64_t>(vectors->size()) / length;
  const mac::EvalOptions eval{
      .samples = count, .seed = study.calibration_seed, .threads = study.inference.threads};
  return mac::SaliencyFullScale(array, options,
                                mac::DataInputs(vectors, length, array.Shape().activation_bits),
                                eval, study.nq_percentile);
}

// LayerOsa::ranks: every saliency definition against the cost of sampled passes.
void RankSaliencies(const mac::MacArray& array,
                    const std::shared_ptr<const std::vector<std::int32_t>>& vectors,
                    const mac::LossData& loss,
                    const StudyOptions& options,
                    LayerOsa& lo) {
  const std::size_t passes = loss.saliency.size();
  const auto length = static_cast<std::size_t>(array.Length());
  const std::size_t per_vector = passes / (vectors->size() / length);
  // Sampled passes, sorted; every pass when there are few.
  std::vector<std::size_t> sample;
  const auto want = static_cast<std::size_t>(std::max<std::int64_t>(0, options.rank_passes));
  if (passes <= want) {
    for (std::size_t p = 0; p < passes; ++p) {
      sample.push_back(p);
    }
  } else {
    mac::Rng rng(mac::StreamSeed(options.calibration_seed, 0x5A11u, array.Length()));
    std::vector<std::size_t> index(passes);
    for (std::size_t p = 0; p < passes; ++p) {
      index[p] = p;
    }
    for (std::size_t i = 0; i < want; ++i) {
      std::swap(index[i], index[i + rng.Next() % (passes - i)]);
    }
    sample.assign(index.begin(), index.begin() + static_cast<std::ptrdiff_t>(want));
    std::sort(sample.begin(), sample.end());
  }
  lo.rank_passes = static_cast<std::int64_t>(sample.size());
  if (sample.size() < 2) {
    return;
  }
  std::vector<std::vector<double>> cost;
  for (std::size_t m = 0; m + 1 < options.candidates.size(); ++m) {
    cost.push_back(loss.pass_cost(m, sample));
  }
  for (mac::SaliencyKind kind :
       {mac::SaliencyKind::kUnsigned, mac::SaliencyKind::kSigned, mac::SaliencyKind::kMagnitude}) {
    for (int orders = 1; orders <= 4; ++orders) {
      StudyOptions variant_options = options;
      variant_options.saliency = kind;
      variant_options.ose_orders = orders;
      mac::RunOptions variant = OsaBase(variant_options);
      variant.ose.thresholds.assign(options.candidates.size() - 1, 0);
      try {
        mac::ValidateRunOptions(array.Shape(), variant);
      } catch (const UsageError&) {
        continue;  // s beyond what this layer's widths allow
      }
      variant.ose.nq_full_scale = FullScale(array, variant, vectors, options);
      const mac::MacRunner runner(array, variant);
      mac::MacRunner::Workspace workspace;
      std::vector<std::int64_t> s(per_vector);
      std::vector<int> chosen(per_vector);
      std::vector<double> x;
      std::size_t at = static_cast<std::size_t>(-1);
      for (std::size_t p : sample) {
        const std::size_t v = p / per_vector;
        if (v != at) {
          runner.Saliency(std::span(*vectors).subspan(v * length, length), workspace, s, chosen);
          at = v;
        }
        x.push_back(static_cast<double>(s[p % per_vector]));
      }
      SaliencyRank rank{.kind = kind, .orders = orders, .spearman = {}};
      for (const std::vector<double>& c : cost) {
        rank.spearman.push_back(SpearmanCorrelation(x, c));
      }
      lo.ranks.push_back(std::move(rank));
    }
  }
}

// The layer's statistics from its calibration set.
LayerOsa DescribeLayer(const mac::MacArray& array,
                       const std::shared_ptr<const std::vector<std::int32_t>>& vectors,
                       int nq_full_scale,
                       const mac::LossData& loss,
                       const StudyOptions& options) {
  const std::size_t b = options.candidates.size();
  LayerOsa lo;
  lo.nq_full_scale = nq_full_scale;
  lo.vectors = static_cast<std::int64_t>(vectors->size()) / array.Length();
  const std::size_t passes = loss.saliency.size();
  for (std::size_t m = 0; m < b; ++m) {
    lo.candidate_loss.push_back(loss.loss(std::vector<int>(passes, static_cast<int>(m))));
  }
  lo.zero_saliency_fraction =
      static_cast<double>(std::count(loss.saliency.begin(), loss.saliency.end(), 0)) /
      static_cast<double>(std::max<std::size_t>(1, passes));
  QuarterCosts(loss, b, lo);
  RankSaliencies(array, vectors, loss, options, lo);
  return lo;
}

// Finds the thresholds of `setting`'s level for one layer and records them.
void SearchLayer(const mac::LossData& loss,
                 const std::vector<double>& candidate_loss,
                 int nq_full_scale,
                 const StudyOptions& options,
                 OsaSetting& setting) {
  setting.candidate_loss.push_back(candidate_loss);
  setting.nq_full_scale.push_back(nq_full_scale);
  setting.limits.push_back(
      LevelLimits(options.candidates, candidate_loss, setting.level, options.limit_spread));
  setting.thresholds.push_back(mac::FindThresholds(loss.saliency,
                                                   static_cast<int>(options.candidates.size()),
                                                   setting.limits.back(), loss.loss));
}

}  // namespace

OsaCalibration CalibrateOsa(const MacNetwork& net,
                            const ImageSet& calibration,
                            const StudyOptions& options) {
  for (double level : options.levels) {
    LevelLimits(options.candidates, std::vector<double>(options.candidates.size(), 1.0), level,
                options.limit_spread);
  }
  const QuantizedNetwork& q = net.Network();
  OsaCalibration cal;
  cal.settings.resize(options.levels.size());
  for (std::size_t s = 0; s < options.levels.size(); ++s) {
    cal.settings[s].level = options.levels[s];
  }
  const std::size_t b = options.candidates.size();
  // The layer's OSA options without thresholds, checked.
  auto layer_options = [&](std::size_t li) {
    mac::RunOptions osa = OsaBase(options);
    mac::RunOptions probe = osa;
    probe.ose.thresholds.assign(b - 1, 0);
    try {
      mac::ValidateRunOptions(net.Array(li).Shape(), probe);
    } catch (const UsageError& e) {
      throw UsageError("OSA options for " + q.layers[li].name + ": " + e.what());
    }
    return osa;
  };
  if (options.loss == OsaLoss::kMse) {
    const auto inputs = ReferenceLayerInputs(q, calibration, options.calibration_vectors,
                                             options.calibration_seed, options.inference.threads);
    for (std::size_t li = 0; li < q.layers.size(); ++li) {
      const mac::MacArray& array = net.Array(li);
      auto data = std::make_shared<const std::vector<std::int32_t>>(inputs[li]);
      mac::RunOptions osa = layer_options(li);
      const int nq = FullScale(array, osa, data, options);
      osa.ose.nq_full_scale = nq;
      const mac::EvalOptions eval{
          .samples = static_cast<std::int64_t>(data->size()) / array.Length(),
          .seed = options.calibration_seed,
          .threads = options.inference.threads};
      const mac::LossData loss = mac::MakeRelativeMseLoss(
          array, osa, mac::DataInputs(data, array.Length(), q.layers[li].activation_bits), eval);
      LayerOsa lo = DescribeLayer(array, data, nq, loss, options);
      for (OsaSetting& setting : cal.settings) {
        SearchLayer(loss, lo.candidate_loss, nq, options, setting);
      }
      cal.layers.push_back(std::move(lo));
    }
    return cal;
  }
  // Task loss: level by level, each layer behind the earlier layers' thresholds of that level.
  const ImageSet images = FirstImages(calibration, options.calibration_images);
  InferenceOptions run = options.inference;
  run.seed = options.calibration_seed;
  run.progress = false;
  run.count = false;
  for (std::size_t s = 0; s < cal.settings.size(); ++s) {
    OsaSetting& setting = cal.settings[s];
    mac::RunOptions dcim;
    dcim.mode = mac::Mode::kDcim;
    NetworkConfig config = UniformConfig("OSA calibration", dcim, q.layers.size());
    for (std::size_t li = 0; li < q.layers.size(); ++li) {
      const mac::MacArray& array = net.Array(li);
      const std::vector<FeatureMaps> before = RunLayersBefore(net, config, images, li, run);
      auto data = std::make_shared<const std::vector<std::int32_t>>(LayerVectors(before));
      mac::RunOptions osa = layer_options(li);
      const int nq = FullScale(array, osa, data, options);
      osa.ose.nq_full_scale = nq;
      const mac::LossData loss = MakeTaskLoss(
          net, li, before, images, osa, options.calibration_seed, options.inference.threads,
          options.loss == OsaLoss::kTaskErrors ? TaskMeasure::kErrors : TaskMeasure::kCrossEntropy);
      std::vector<double> candidate_loss;
      if (s == 0) {
        cal.layers.push_back(DescribeLayer(array, data, nq, loss, options));
        candidate_loss = cal.layers.back().candidate_loss;
      } else {
        for (std::size_t m = 0; m < b; ++m) {
          candidate_loss.push_back(
              loss.loss(std::vector<int>(loss.saliency.size(), static_cast<int>(m))));
        }
      }
      SearchLayer(loss, candidate_loss, nq, options, setting);
      osa.ose.thresholds = setting.thresholds.back().thresholds;
      config.layers[li] = osa;
    }
  }
  return cal;
}

NetworkConfig OsaConfig(const MacNetwork& net,
                        const OsaCalibration& calibration,
                        std::size_t setting,
                        const StudyOptions& options) {
  char name[64];
  std::snprintf(name, sizeof name, "OSA L@%g", calibration.settings[setting].level);
  NetworkConfig config{name, {}};
  for (std::size_t li = 0; li < net.Layers(); ++li) {
    mac::RunOptions o = OsaBase(options);
    o.ose.nq_full_scale = calibration.settings[setting].nq_full_scale[li];
    o.ose.thresholds = calibration.settings[setting].thresholds[li].thresholds;
    config.layers.push_back(o);
  }
  return config;
}

std::vector<MacNetwork> ChipNetworks(const QuantizedNetwork& net,
                                     const mac::MacShape& shape,
                                     const calib::Macro& macro,
                                     std::uint64_t first_seed,
                                     int count,
                                     const ReadoutFit& fit) {
  if (count < 1) {
    throw UsageError("chip instances = " + std::to_string(count) + " must be >= 1");
  }
  std::vector<MacNetwork> chips;
  chips.reserve(static_cast<std::size_t>(count));
  for (int k = 0; k < count; ++k) {
    chips.emplace_back(net, shape, macro, first_seed + static_cast<std::uint64_t>(k));
  }
  if (fit.vectors < 0) {
    throw UsageError("readout calibration vectors per layer = " + std::to_string(fit.vectors) +
                     " must be >= 0 (0: keep the fit on uniform random operands)");
  }
  if (fit.images != nullptr && fit.vectors > 0 && mac::MakeReadout(macro)->FitsColumns()) {
    const std::vector<std::vector<std::int32_t>> inputs =
        ReferenceLayerInputs(net, *fit.images, fit.vectors, fit.seed, fit.threads);
    for (MacNetwork& chip : chips) {
      chip.FitReadout(inputs, fit.boundaries);
    }
  }
  return chips;
}

std::uint64_t ChipNoiseSeed(std::uint64_t seed, int chip) {
  return chip == 0 ? seed : mac::StreamSeed(seed, 0xC41Bu, static_cast<std::uint64_t>(chip));
}

namespace {

// Two-sided 95 % quantile of Student's t with `dof` degrees of freedom (1 .. 30 tabulated, the
// normal quantile beyond).
double StudentT95(int dof) {
  static constexpr double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                      2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                      2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                      2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  return dof >= 1 && dof <= 30 ? kTable[dof - 1] : 1.960;
}

}  // namespace

double StudyPoint::Accuracy() const {
  if (chip_correct.empty() || result.images <= 0) {
    return result.Accuracy();
  }
  double sum = 0.0;
  for (std::int64_t c : chip_correct) {
    sum += static_cast<double>(c);
  }
  return sum / static_cast<double>(chip_correct.size()) / static_cast<double>(result.images);
}

std::pair<double, double> StudyPoint::AccuracyInterval() const {
  const double mean = Accuracy();
  const auto n = static_cast<double>(result.images);
  if (n <= 0.0) {
    return {mean, mean};
  }
  double half = 0.0;
  if (chip_correct.size() < 2) {
    half = 1.96 * std::sqrt(mean * (1.0 - mean) / n);
  } else {
    double ss = 0.0;
    for (std::int64_t c : chip_correct) {
      const double d = static_cast<double>(c) / n - mean;
      ss += d * d;
    }
    const auto k = static_cast<double>(chip_correct.size());
    half = StudentT95(static_cast<int>(chip_correct.size()) - 1) * std::sqrt(ss / (k - 1.0) / k);
  }
  return {std::max(0.0, mean - half), std::min(1.0, mean + half)};
}

std::pair<double, double> StudyPoint::ChipRange() const {
  if (chip_correct.empty() || result.images <= 0) {
    return {result.Accuracy(), result.Accuracy()};
  }
  const auto [lo, hi] = std::minmax_element(chip_correct.begin(), chip_correct.end());
  const auto n = static_cast<double>(result.images);
  return {static_cast<double>(*lo) / n, static_cast<double>(*hi) / n};
}

Study RunStudy(const std::vector<MacNetwork>& chips,
               const ImageSet& calibration,
               const ImageSet& test,
               const StudyOptions& options) {
  if (chips.empty()) {
    throw UsageError("a network study needs at least one chip instance");
  }
  const MacNetwork& net = chips.front();
  Study study;
  const QuantizedNetwork& q = net.Network();
  study.network = core::ProvenancePath(q.path) + " (" + q.name + ")";
  study.test_images = test.source;
  study.calibration_images = calibration.source;
  study.candidates = options.candidates;
  study.loss = options.loss;
  study.saliency = options.saliency;
  study.ose_orders = options.ose_orders;
  study.limit_spread = options.limit_spread;
  study.chips = static_cast<int>(chips.size());
  if (test.Count() == q.reference_test_images) {
    study.reference_correct = q.reference_test_correct;
  }
  auto start = std::chrono::steady_clock::now();
  study.osa = CalibrateOsa(net, calibration, options);
  study.calibration_seconds = Seconds(start);
  // Every chip but DCIM's (exact: the same on every chip); the first with its actions counted.
  auto run = [&](StudyPoint p) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t runs = p.mode == mac::Mode::kDcim ? 1 : chips.size();
    for (std::size_t k = 0; k < runs; ++k) {
      InferenceOptions o = options.inference;
      o.seed = ChipNoiseSeed(options.inference.seed, static_cast<int>(k));
      o.count = k == 0;
      InferenceResult r = RunNetwork(chips[k], p.config, test, o);
      p.chip_correct.push_back(r.correct);
      if (k == 0) {
        p.result = std::move(r);
      }
    }
    p.chip_correct.resize(chips.size(), p.chip_correct.front());
    p.seconds = Seconds(t0);
    study.points.push_back(std::move(p));
  };
  mac::RunOptions dcim;
  dcim.mode = mac::Mode::kDcim;
  run({.name = "DCIM",
       .mode = mac::Mode::kDcim,
       .config = UniformConfig("DCIM", dcim, net.Layers())});
  study.reference_predictions_equal =
      study.reference_correct >= 0 &&
      study.points.front().result.predictions == q.reference_predictions;
  for (int bd = options.hcim_boundaries.first; bd <= options.hcim_boundaries.second; ++bd) {
    mac::RunOptions h;
    h.mode = mac::Mode::kHcim;
    h.boundary = bd;
    h.compensate_discard = options.compensate;
    const std::string name = "HCIM B=" + std::to_string(bd);
    run({.name = name,
         .mode = mac::Mode::kHcim,
         .boundary = bd,
         .config = UniformConfig(name, h, net.Layers())});
  }
  for (std::size_t s = 0; s < study.osa.settings.size(); ++s) {
    NetworkConfig config = OsaConfig(net, study.osa, s, options);
    const std::string name = config.name;
    run({.name = name,
         .mode = mac::Mode::kOsaHcim,
         .level = study.osa.settings[s].level,
         .config = std::move(config)});
    if (options.oracle) {
      StudyPoint& p = study.points.back();
      const auto t0 = std::chrono::steady_clock::now();
      std::vector<std::vector<double>> mix;
      for (const mac::ActionCounts& c : p.result.layer_counts) {
        std::vector<double> shares;
        for (int b : options.candidates) {
          const auto at = static_cast<std::size_t>(b);
          shares.push_back(at < c.boundary_histogram.size() && c.array_passes > 0
                               ? static_cast<double>(c.boundary_histogram[at]) /
                                     static_cast<double>(c.array_passes)
                               : 0.0);
        }
        mix.push_back(std::move(shares));
      }
      InferenceOptions o = options.inference;
      o.seed = ChipNoiseSeed(options.inference.seed, 0);
      p.oracle_correct = RunOracle(net, p.config, mix, test, o).correct;
      p.oracle_seconds = Seconds(t0);
    }
  }
  return study;
}

const StudyPoint* BestHcimAt(const Study& study, double accuracy, double tolerance) {
  const StudyPoint* best = nullptr;
  for (const StudyPoint& p : study.points) {
    if (p.mode != mac::Mode::kHcim || p.Accuracy() < accuracy - tolerance) {
      continue;
    }
    if (best == nullptr || p.result.energy.per_mac_j < best->result.energy.per_mac_j) {
      best = &p;
    }
  }
  return best;
}

const StudyPoint* OperatingOsaPoint(const Study& study) {
  if (study.points.empty()) {
    return nullptr;
  }
  const double dcim = study.points.front().Accuracy();
  const StudyPoint* best = nullptr;
  const StudyPoint* most_accurate = nullptr;
  for (const StudyPoint& p : study.points) {
    if (p.mode != mac::Mode::kOsaHcim) {
      continue;
    }
    if (dcim - p.Accuracy() < 0.02 &&
        (best == nullptr || p.result.energy.per_mac_j < best->result.energy.per_mac_j)) {
      best = &p;
    }
    if (most_accurate == nullptr || p.Accuracy() > most_accurate->Accuracy()) {
      most_accurate = &p;
    }
  }
  return best != nullptr ? best : most_accurate;
}

double HcimAccuracyAt(const Study& study, double per_mac_j) {
  const StudyPoint* below = nullptr;  // the nearest HCIM point spending more
  const StudyPoint* above = nullptr;  // the nearest HCIM point spending less
  for (const StudyPoint& p : study.points) {
    if (p.mode != mac::Mode::kHcim) {
      continue;
    }
    const double e = p.result.energy.per_mac_j;
    if (e >= per_mac_j && (below == nullptr || e < below->result.energy.per_mac_j)) {
      below = &p;
    }
    if (e <= per_mac_j && (above == nullptr || e > above->result.energy.per_mac_j)) {
      above = &p;
    }
  }
  if (below == nullptr || above == nullptr) {
    return std::nan("");
  }
  const double e0 = below->result.energy.per_mac_j;
  const double e1 = above->result.energy.per_mac_j;
  if (e0 == e1) {
    return below->Accuracy();
  }
  const double t = (e0 - per_mac_j) / (e0 - e1);
  return (1.0 - t) * below->Accuracy() + t * above->Accuracy();
}

namespace {

// "B=7 12% B=8 60% ..." over the passes of `counts`.
std::string Mix(const mac::ActionCounts& counts) {
  std::string s;
  char b[32];
  for (std::size_t bd = 0; bd < counts.boundary_histogram.size(); ++bd) {
    const std::int64_t n = counts.boundary_histogram[bd];
    if (n > 0 && counts.array_passes > 0) {
      const double share =
          100.0 * static_cast<double>(n) / static_cast<double>(counts.array_passes);
      std::snprintf(b, sizeof b, share < 1.0 ? "%sB%zu:%.1f%%" : "%sB%zu:%.0f%%",
                    s.empty() ? "" : " ", bd, share);
      s += b;
    }
  }
  return s;
}

}  // namespace

void PrintStudy(std::ostream& out, const Study& study, double tolerance) {
  if (study.points.empty()) {
    return;
  }
  const StudyPoint& dcim = study.points.front();
  const double dcim_acc = dcim.Accuracy();
  const double dcim_j = dcim.result.energy.per_mac_j;
  char line[512];
  out << "network: " << study.network << "\n";
  out << "test images: " << study.test_images << "; OSA thresholds from "
      << study.calibration_images << "\n";
  if (study.reference_correct >= 0) {
    out << "integer reference (the network file): " << study.reference_correct << "/"
        << dcim.result.images << " correct; DCIM on the macro model: " << dcim.result.correct
        << (study.reference_predictions_equal ? ", every prediction identical"
                                              : ", predictions DIFFER from the reference")
        << "\n";
  }
  std::snprintf(
      line, sizeof line,
      "OSA-HCIM: thresholds found against the %s loss (%s), saliency %s, s = %d, limit "
      "spread %g\n",
      OsaLossName(study.loss).c_str(),
      study.loss == OsaLoss::kMse ? "each layer's relative MAC-output MSE on exact activations"
      : study.loss == OsaLoss::kTask
          ? "the network's cross-entropy on the calibration images, each layer behind "
            "the earlier layers' thresholds"
          : "the network's error rate on the calibration images, each layer behind "
            "the earlier layers' thresholds",
      mac::SaliencyKindName(study.saliency).c_str(), study.ose_orders, study.limit_spread);
  out << line;
  out << "\nAccuracy vs energy efficiency (paper Fig. 8: HCIM 1.56x and OSA-HCIM 1.95x vs DCIM "
         "at < 2 % accuracy loss, ResNet18/CIFAR100)\n";
  out << "  accuracy: the mean over " << study.chips
      << " chip instance(s) (each its own static errors and noise; DCIM is exact, so one run "
         "serves every chip) with the 95 % interval of that mean and the lowest and highest "
         "chip; energy from the first chip's activity\n";
  out << "  point         accuracy  [95 % interval]   chips min-max  loss-vs-DCIM  fJ/MAC  TOPS/W  "
         "gain-vs-DCIM  images/s  B_D/A use (array passes)\n";
  for (const StudyPoint& p : study.points) {
    const auto& r = p.result;
    const double gain = r.energy.per_mac_j > 0 ? dcim_j / r.energy.per_mac_j : 0.0;
    const auto [lo, hi] = p.AccuracyInterval();
    const auto [worst, best] = p.ChipRange();
    const double runs = static_cast<double>(r.images) *
                        static_cast<double>(p.mode == mac::Mode::kDcim ? 1 : study.chips);
    std::snprintf(line, sizeof line,
                  "  %-12s %8s %%  [%s, %s]  %s-%s  %9.2f %%  %6.1f  %6.2f  %12.2f  %8.0f  %s\n",
                  p.name.c_str(), Percent(p.Accuracy()).c_str(), Percent(lo).c_str(),
                  Percent(hi).c_str(), Percent(worst).c_str(), Percent(best).c_str(),
                  100.0 * (dcim_acc - p.Accuracy()), r.energy.per_mac_j * 1e15,
                  r.energy.tops_per_w_8b_norm, gain, p.seconds > 0 ? runs / p.seconds : 0.0,
                  p.mode == mac::Mode::kDcim ? "all digital" : Mix(r.counts).c_str());
    out << line;
  }
  out << "  OSE (N/Q units and saliency decisions), share of each OSA point's energy:";
  for (const StudyPoint& p : study.points) {
    if (p.mode == mac::Mode::kOsaHcim && p.result.energy.total_j > 0.0) {
      std::snprintf(line, sizeof line, " %s %.2f %%;", p.name.c_str(),
                    100.0 * p.result.energy.ose_j / p.result.energy.total_j);
      out << line;
    }
  }
  out << "\n";
  // The paper's comparison: the best gain at < 2 % loss for each mode.
  auto best_within = [&](mac::Mode mode, double loss) -> const StudyPoint* {
    const StudyPoint* best = nullptr;
    for (const StudyPoint& p : study.points) {
      if (p.mode == mode && dcim_acc - p.Accuracy() < loss &&
          (best == nullptr || p.result.energy.per_mac_j < best->result.energy.per_mac_j)) {
        best = &p;
      }
    }
    return best;
  };
  out << "\n  at < 2 % accuracy loss vs DCIM:       ours                     paper\n";
  for (const auto& [mode, paper] :
       {std::pair{mac::Mode::kHcim, "1.56x"}, std::pair{mac::Mode::kOsaHcim, "1.95x"}}) {
    const StudyPoint* p = best_within(mode, 0.02);
    if (p == nullptr) {
      std::snprintf(line, sizeof line, "    %-8s  no point within 2 %%               %s\n",
                    mode == mac::Mode::kHcim ? "HCIM" : "OSA-HCIM", paper);
    } else {
      std::snprintf(line, sizeof line, "    %-8s  %5.2fx (%s, %s %%)   %s\n",
                    mode == mac::Mode::kHcim ? "HCIM" : "OSA-HCIM",
                    dcim_j / p->result.energy.per_mac_j, p->name.c_str(),
                    Percent(p->Accuracy()).c_str(), paper);
    }
    out << line;
  }
  out << "\nOSA-HCIM vs the most efficient HCIM at equal accuracy (HCIM accuracy >= OSA - "
      << 100.0 * tolerance << " %):\n";
  for (const StudyPoint& p : study.points) {
    if (p.mode != mac::Mode::kOsaHcim) {
      continue;
    }
    const StudyPoint* h = BestHcimAt(study, p.Accuracy(), tolerance);
    if (h == nullptr) {
      std::snprintf(line, sizeof line, "  %-12s %s %%: no HCIM point that accurate\n",
                    p.name.c_str(), Percent(p.Accuracy()).c_str());
    } else {
      std::snprintf(line, sizeof line,
                    "  %-12s %s %%, %.2f TOPS/W  vs  %s %s %%, %.2f TOPS/W: OSA %.3fx %s\n",
                    p.name.c_str(), Percent(p.Accuracy()).c_str(),
                    p.result.energy.tops_per_w_8b_norm, h->name.c_str(),
                    Percent(h->Accuracy()).c_str(), h->result.energy.tops_per_w_8b_norm,
                    h->result.energy.per_mac_j / p.result.energy.per_mac_j,
                    p.result.energy.per_mac_j < h->result.energy.per_mac_j ? "(more efficient)"
                                                                           : "(less efficient)");
    }
    out << line;
  }
  out << "\nOSA-HCIM vs HCIM time-sharing its two neighbouring boundaries at the same energy "
         "(accuracy difference; > 0: OSA better):\n";
  for (const StudyPoint& p : study.points) {
    if (p.mode != mac::Mode::kOsaHcim) {
      continue;
    }
    const double h = HcimAccuracyAt(study, p.result.energy.per_mac_j);
    if (std::isnan(h)) {
      std::snprintf(line, sizeof line, "  %-12s outside the HCIM energy range\n", p.name.c_str());
    } else {
      std::snprintf(line, sizeof line, "  %-12s %s %% vs %s %%: %+.2f %%\n", p.name.c_str(),
                    Percent(p.Accuracy()).c_str(), Percent(h).c_str(), 100.0 * (p.Accuracy() - h));
    }
    out << line;
  }
  bool oracle = false;
  for (const StudyPoint& p : study.points) {
    oracle = oracle || p.oracle_correct >= 0;
  }
  if (oracle) {
    out << "\nOracle bound (first chip, each OSA point's B_D/A mix per layer, the passes of all "
           "test images ranked by their actual cost instead of S: the squared error increase of "
           "their outputs when going from the finest to the coarsest candidate used):\n";
    out << "  point        OSA (chip 0)  oracle (chip 0) [95 %]   oracle - OSA  HCIM line at the "
           "same energy\n";
    for (const StudyPoint& p : study.points) {
      if (p.oracle_correct < 0) {
        continue;
      }
      const double n = static_cast<double>(p.result.images);
      const double osa = static_cast<double>(p.result.correct) / n;
      const double orc = static_cast<double>(p.oracle_correct) / n;
      const double half = 1.96 * std::sqrt(orc * (1.0 - orc) / n);
      const double h = HcimAccuracyAt(study, p.result.energy.per_mac_j);
      std::snprintf(line, sizeof line, "  %-12s %8s %%   %8s %% [%s, %s]  %+9.2f %%   %s\n",
                    p.name.c_str(), Percent(osa).c_str(), Percent(orc).c_str(),
                    Percent(orc - half).c_str(), Percent(orc + half).c_str(), 100.0 * (orc - osa),
                    std::isnan(h) ? "outside the HCIM range" : (Percent(h) + " %").c_str());
      out << line;
    }
  }
  out << "\nB_D/A use per layer (array passes, test set):\n";
  const std::size_t layers = dcim.result.layer_counts.size();
  for (const StudyPoint& p : study.points) {
    if (p.mode != mac::Mode::kOsaHcim) {
      continue;
    }
    out << "  " << p.name << "\n";
    for (std::size_t li = 0; li < layers; ++li) {
      out << "    layer" << li << ": " << Mix(p.result.layer_counts[li]) << "\n";
    }
  }
  out << "\nOSA calibration (per layer, " << study.calibration_images
      << (study.loss != OsaLoss::kMse ? "; task loss: the first level's calibration" : "")
      << "):\n";
  out << "  layer  vectors  N/Q full scale  S=0 passes  loss with every pass at each candidate\n";
  for (std::size_t li = 0; li < study.osa.layers.size(); ++li) {
    const LayerOsa& lo = study.osa.layers[li];
    std::snprintf(line, sizeof line, "  layer%zu %8lld  %14d  %9.1f %% ", li,
                  static_cast<long long>(lo.vectors), lo.nq_full_scale,
                  100.0 * lo.zero_saliency_fraction);
    out << line;
    for (double l : lo.candidate_loss) {
      std::snprintf(line, sizeof line, " %.2e", l);
      out << line;
    }
    out << "\n";
  }
  out << "\nDoes the saliency predict the loss? Passes split into quarters by S (lowest first): "
         "share of the passes, then each quarter's share of the loss increase when every pass "
         "moves from B_m to B_(m+1) (equal shares: S tells nothing about the error)\n";
  for (std::size_t li = 0; li < study.osa.layers.size(); ++li) {
    const LayerOsa& lo = study.osa.layers[li];
    out << "  layer" << li << "  passes    ";
    for (double p : lo.quarter_passes) {
      std::snprintf(line, sizeof line, " %5.1f%%", 100.0 * p);
      out << line;
    }
    out << "\n";
    for (std::size_t m = 0; m < lo.quarter_cost.size(); ++m) {
      std::snprintf(line, sizeof line, "          loss %2d->%-2d", study.candidates[m],
                    study.candidates[m + 1]);
      out << line;
      for (double c : lo.quarter_cost[m]) {
        std::snprintf(line, sizeof line, " %5.1f%%", 100.0 * c);
        out << line;
      }
      out << "\n";
    }
  }
  if (!study.osa.layers.empty() && !study.osa.layers.front().ranks.empty()) {
    out << "\nDoes S predict the loss? Spearman rank correlation between a pass's S and the loss "
           "increase when that pass alone goes from B_m to B_(m+1) (the others at B_m), mean over "
           "the candidate pairs, on "
        << study.osa.layers.front().rank_passes
        << " sampled calibration passes per layer (1: S ranks the passes by their cost; 0: S "
           "tells nothing)\n";
    out << "  saliency    s";
    for (std::size_t li = 0; li < study.osa.layers.size(); ++li) {
      std::snprintf(line, sizeof line, "  layer%-2zu", li);
      out << line;
    }
    out << "  mean\n";
    const std::vector<SaliencyRank>& first = study.osa.layers.front().ranks;
    for (std::size_t v = 0; v < first.size(); ++v) {
      std::snprintf(line, sizeof line, "  %-10s %2d", mac::SaliencyKindName(first[v].kind).c_str(),
                    first[v].orders);
      out << line;
      double sum = 0.0;
      int n = 0;
      for (const LayerOsa& lo : study.osa.layers) {
        const auto it = std::find_if(lo.ranks.begin(), lo.ranks.end(), [&](const SaliencyRank& r) {
          return r.kind == first[v].kind && r.orders == first[v].orders;
        });
        if (it == lo.ranks.end()) {
          out << "        -";
          continue;
        }
        std::snprintf(line, sizeof line, "  %+7.3f", it->Mean());
        out << line;
        sum += it->Mean();
        ++n;
      }
      std::snprintf(line, sizeof line, "  %+.3f%s\n", n > 0 ? sum / n : 0.0,
                    first[v].kind == study.saliency && first[v].orders == study.ose_orders
                        ? "  (this study)"
                        : "");
      out << line;
    }
  }
  for (const OsaSetting& s : study.osa.settings) {
    std::snprintf(line, sizeof line, "  level %g: thresholds T per layer (loss reached / limit)\n",
                  s.level);
    out << line;
    for (std::size_t li = 0; li < s.thresholds.size(); ++li) {
      out << "    layer" << li << ":";
      const mac::ThresholdResult& t = s.thresholds[li];
      for (std::size_t i = 0; i < t.thresholds.size(); ++i) {
        std::snprintf(line, sizeof line, " %lld (%.2e/%.2e%s)",
                      static_cast<long long>(t.thresholds[i]), t.losses[i], s.limits[li][i],
                      t.met[i] ? "" : " missed");
        out << line;
      }
      out << "\n";
    }
  }
  std::snprintf(line, sizeof line, "calibration %.1f s; inference", study.calibration_seconds);
  out << line;
  for (const StudyPoint& p : study.points) {
    std::snprintf(line, sizeof line, " %s %.1f s;", p.name.c_str(), p.seconds);
    out << line;
    if (p.oracle_correct >= 0) {
      std::snprintf(line, sizeof line, " its oracle %.1f s;", p.oracle_seconds);
      out << line;
    }
  }
  out << "\n";
}

void WriteStudyCsv(const std::filesystem::path& path, const Study& study) {
  std::ostringstream csv;
  const std::size_t layers =
      study.points.empty() ? 0 : study.points.front().result.layer_counts.size();
  std::size_t max_b = 0;
  for (const StudyPoint& p : study.points) {
    max_b = std::max(max_b, p.result.counts.boundary_histogram.size());
  }
  csv << "point,mode,boundary,level,images,chips,accuracy,accuracy_lo,accuracy_hi,chip_min,"
         "chip_max,energy_per_mac_j,tops_per_w_8b_norm,gain_vs_dcim,seconds,osa_loss,saliency,"
         "ose_orders,limit_spread,oracle_accuracy_chip0";
  for (int k = 0; k < study.chips; ++k) {
    csv << ",chip" << k << "_correct";
  }
  for (std::size_t b = 0; b < max_b; ++b) {
    csv << ",passes_b" << b;
  }
  for (std::size_t li = 0; li < layers; ++li) {
    for (std::size_t b = 0; b < max_b; ++b) {
      csv << ",layer" << li << "_passes_b" << b;
    }
  }
  // Where the energy goes (the first chip's activity): each block's share of the energy per
  // MAC, and each layer's energy per MAC of its own.
  for (const auto& [block, j] : mac::EnergyBreakdown{}.Blocks()) {
    csv << ",energy_" << block << "_per_mac_j";
  }
  for (std::size_t li = 0; li < layers; ++li) {
    csv << ",layer" << li << "_energy_per_mac_j";
  }
  csv << "\n";
  const double dcim_j = study.points.empty() ? 0.0 : study.points.front().result.energy.per_mac_j;
  char buf[256];
  for (const StudyPoint& p : study.points) {
    const auto& r = p.result;
    const auto [lo, hi] = p.AccuracyInterval();
    const auto [worst, best] = p.ChipRange();
    std::snprintf(buf, sizeof buf,
                  "%s,%s,%d,%.4f,%lld,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6e,%.6f,%.6f,%.3f",
                  p.name.c_str(), mac::ModeName(p.mode).c_str(), p.boundary, p.level,
                  static_cast<long long>(r.images), study.chips, p.Accuracy(), lo, hi, worst, best,
                  r.energy.per_mac_j, r.energy.tops_per_w_8b_norm,
                  r.energy.per_mac_j > 0 ? dcim_j / r.energy.per_mac_j : 0.0, p.seconds);
    csv << buf;
    if (p.mode == mac::Mode::kOsaHcim) {
      std::snprintf(buf, sizeof buf, ",%s,%s,%d,%g", OsaLossName(study.loss).c_str(),
                    mac::SaliencyKindName(study.saliency).c_str(), study.ose_orders,
                    study.limit_spread);
      csv << buf;
    } else {
      csv << ",,,,";
    }
    if (p.oracle_correct >= 0) {
      std::snprintf(buf, sizeof buf, ",%.6f",
                    static_cast<double>(p.oracle_correct) / static_cast<double>(r.images));
      csv << buf;
    } else {
      csv << ",";
    }
    for (int k = 0; k < study.chips; ++k) {
      csv << ","
          << (static_cast<std::size_t>(k) < p.chip_correct.size()
                  ? p.chip_correct[static_cast<std::size_t>(k)]
                  : r.correct);
    }
    auto hist = [&](const mac::ActionCounts& c) {
      for (std::size_t b = 0; b < max_b; ++b) {
        csv << "," << (b < c.boundary_histogram.size() ? c.boundary_histogram[b] : 0);
      }
    };
    hist(r.counts);
    for (std::size_t li = 0; li < layers; ++li) {
      hist(r.layer_counts[li]);
    }
    const double macs = r.energy.per_mac_j > 0 ? r.energy.total_j / r.energy.per_mac_j : 0.0;
    for (const auto& [block, j] : r.energy.Blocks()) {
      std::snprintf(buf, sizeof buf, ",%.6e", macs > 0 ? j / macs : 0.0);
      csv << buf;
    }
    for (std::size_t li = 0; li < layers; ++li) {
      std::snprintf(buf, sizeof buf, ",%.6e",
                    li < r.layer_energy.size() ? r.layer_energy[li].per_mac_j : 0.0);
      csv << buf;
    }
    csv << "\n";
  }
  report::WriteFilesAtomically({{path, csv.str()}});
}

}  // namespace cimchar::network
