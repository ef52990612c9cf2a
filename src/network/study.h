#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "mac/options.h"
#include "mac/thresholds.h"
#include "network/image_set.h"
#include "network/inference.h"
#include "network/quantized_network.h"

// The network study, the analogue of paper Fig. 8: test-set accuracy against energy efficiency
// for DCIM, HCIM at each B_D/A and OSA-HCIM at several loss limits, with the OSA thresholds
// found on a calibration split (never on the test images).
//
// OSA calibration, per layer, on activations of the calibration images:
//  1. the N/Q full scale F follows the data's range (mac::SaliencyFullScale);
//  2. the loss (StudyOptions::loss) is either
//     - mse: the relative MSE of the layer's MAC outputs (mac::MakeRelativeMseLoss) on the exact
//       activations (the integer reference's), every level from the same data; or
//     - task: the network's cross-entropy (task-errors: error rate) on the calibration images
//       (MakeTaskLoss), level by
//       level and layer by layer: layer i is calibrated on the activations that layers 0..i-1
//       with the thresholds already found for that level produce on the macro, the layers
//       after it exact;
//     l_m = the loss with every pass of the layer at candidate B_m;
//  3. an OSA point is named by a level x in B_D/A units; the loss "at" a level y between
//     candidates B_k <= y <= B_(k+1) is l_k^(1-f) l_(k+1)^f, f = (y - B_k) / (B_(k+1) - B_k).
//     The limit L_i of step i of the Fig. 3(b) search (B_i against B_(i+1), the passes below
//     T_i at B_(i+1)) is the loss at level min(x, max(x - spread, (B_i + B_(i+1)) / 2)): with
//     spread 0 every limit is the loss at x, so the search mixes the two candidates around x
//     (salient passes finer, the others coarser); with a spread, the steps below x each stop
//     half way between their two candidates, so the passes spread over the candidates from
//     about x - spread up to the one above x.
//     A level equal to a candidate with spread 0 asks for that candidate's loss: every pass
//     there, HCIM with the OSE's overhead.

namespace cimchar::network {

// The loss the OSA thresholds are searched against.
enum class OsaLoss { kMse, kTask, kTaskErrors };
// Parses "mse", "task" (cross-entropy) or "task-errors" (error rate). Failures: UsageError
// naming the value.
OsaLoss ParseOsaLoss(const std::string& text);
std::string OsaLossName(OsaLoss loss);

struct StudyOptions {
  std::pair<int, int> hcim_boundaries = {5, 10};  // HCIM at every B_D/A in the range
  std::vector<int> candidates = {5, 6, 7, 8, 9, 10};
  // s: three orders (6 of the 64 bit pairs of 8b x 8b) measured better than two on the
  // reference network at equal energy.
  int ose_orders = 3;
  mac::SaliencyKind saliency = mac::SaliencyKind::kUnsigned;
  std::vector<double> levels = {5.5, 6.5, 7.5, 8.5, 9.5};  // one OSA point each (B_D/A units)
  double limit_spread = 0.0;  // B_D/A units: how far below the level the search's limits reach
  OsaLoss loss = OsaLoss::kMse;
  std::int64_t calibration_vectors = 20000;  // mse: per layer, drawn from the calibration split
  std::int64_t calibration_images = 200;     // task: the first images of the calibration split
  std::int64_t rank_passes = 2000;  // per layer: passes sampled for the saliency rank table
  bool oracle = true;               // run the oracle bound of every OSA point (first chip)
  double nq_percentile = mac::kSaliencyFullScalePercentile;
  bool compensate = false;  // add the expected value of discarded orders
  std::uint64_t calibration_seed = 1;
  InferenceOptions inference;  // test-set noise seed, threads, progress
};

// What a readout with per-column values (mac::Readout::FitsColumns: the comparator readouts'
// digital scale factors) is fitted on: `vectors` input vectors per layer drawn from `images`
// (the calibration split, each layer's exact inputs from the integer reference), every analog
// op at each B_D/A of `boundaries`. Without images, or with vectors = 0, the values stay fitted
// on mac::MacArray's uniform random operands.
struct ReadoutFit {
  const ImageSet* images = nullptr;
  std::int64_t vectors = 64;
  std::vector<int> boundaries;
  std::uint64_t seed = 1;
  int threads = 1;
};

// `count` simulated chips of one network design: chip k has chip seed first_seed + k (its own
// static errors in every layer), each chip's readout fitted as `fit` says. Failures: UsageError
// for count < 1, as MacNetwork and MacNetwork::FitReadout. Thread-safety: pure.
std::vector<MacNetwork> ChipNetworks(const QuantizedNetwork& net,
                                     const mac::MacShape& shape,
                                     const calib::Macro& macro,
                                     std::uint64_t first_seed,
                                     int count,
                                     const ReadoutFit& fit = {});

// The test-run noise seed of chip k (k = 0 keeps the study's seed). Failures: none.
std::uint64_t ChipNoiseSeed(std::uint64_t seed, int chip);

// How well one saliency definition ranks the passes by their cost: Spearman's rank correlation
// between S and the loss increase when that pass alone goes from B_m to B_(m+1) (every other
// pass at B_m), per candidate pair m, on sampled calibration passes. 1: S orders the passes as
// their cost does; 0: S tells nothing.
struct SaliencyRank {
  mac::SaliencyKind kind = mac::SaliencyKind::kUnsigned;
  int orders = 0;                // s
  std::vector<double> spearman;  // per candidate pair
  double Mean() const;
};

// The OSA calibration of one layer (task loss: made at the first level).
struct LayerOsa {
  int nq_full_scale = 0;
  std::vector<double> candidate_loss;   // l_m: every pass at candidate m (calibration split)
  std::int64_t vectors = 0;             // calibration vectors used
  double zero_saliency_fraction = 0.0;  // passes with S = 0
  // How much the saliency tells about the loss: the passes split into quarters by saliency
  // (lowest first; equal S stay in one quarter, so a quarter may be empty) ...
  std::vector<double> quarter_passes;  // ... share of the passes in each quarter
  // ... and, per adjacent candidate pair (B_m -> B_(m+1)), each quarter's share of the loss
  // increase when every pass moves from B_m to B_(m+1). A saliency that predicts the error gives
  // the low quarters small shares; shares equal to quarter_passes mean it tells nothing.
  std::vector<std::vector<double>> quarter_cost;
  // Every saliency definition (kind x s = 1..4) against the per-pass cost.
  std::vector<SaliencyRank> ranks;
  std::int64_t rank_passes = 0;  // passes sampled
};

// One OSA operating point: per layer, the limits and the thresholds found.
struct OsaSetting {
  double level = 0.0;
  std::vector<std::vector<double>> limits;          // per layer, L[0..b-2]
  std::vector<mac::ThresholdResult> thresholds;     // per layer
  std::vector<int> nq_full_scale;                   // per layer
  std::vector<std::vector<double>> candidate_loss;  // per layer: l_m the limits came from
};

// Calibrates every layer on `calibration` and finds the thresholds of each level.
// Failures: UsageError for invalid options (a level outside the candidates' range, fewer than two
// candidates) or images that do not fit the network. Thread-safety: reentrant; uses
// options.inference.threads.
struct OsaCalibration {
  std::vector<LayerOsa> layers;
  std::vector<OsaSetting> settings;  // one per level
};
OsaCalibration CalibrateOsa(const MacNetwork& net,
                            const ImageSet& calibration,
                            const StudyOptions& options);

// The network configuration of an OSA setting. Failures: none. Thread-safety: pure.
NetworkConfig OsaConfig(const MacNetwork& net,
                        const OsaCalibration& calibration,
                        std::size_t setting,
                        const StudyOptions& options);

struct StudyPoint {
  std::string name;  // "DCIM", "HCIM B=8", "OSA L@7.5"
  mac::Mode mode = mac::Mode::kDcim;
  int boundary = 0;    // HCIM
  double level = 0.0;  // OSA
  NetworkConfig config;
  InferenceResult result;  // the first chip's run: its predictions, counts and energy
  // Correct test images of each chip instance (the same images, each chip's own static errors
  // and noise seed). DCIM is exact, so it runs once and every chip has its result.
  std::vector<std::int64_t> chip_correct;
  double seconds = 0.0;  // wall time of the inference, all chips
  // OSA points: the oracle bound (oracle.h) on the first chip with this point's B_D/A mix per
  // layer; -1 when not run.
  std::int64_t oracle_correct = -1;
  double oracle_seconds = 0.0;

  // The accuracy over the chips: their mean, and the 95 % interval of that mean (Student t over
  // the chips, which holds both the chip-to-chip spread and each chip's test-set sampling; with
  // one chip, the binomial interval of its accuracy), within 0 .. 1. Failures: none.
  double Accuracy() const;
  std::pair<double, double> AccuracyInterval() const;
  // The lowest and highest chip accuracy. Failures: none.
  std::pair<double, double> ChipRange() const;
};

struct Study {
  std::string network;      // path and name
  std::string test_images;  // source
  std::string calibration_images;
  std::vector<int> candidates;   // OSA candidates B
  OsaLoss loss = OsaLoss::kMse;  // the loss the OSA thresholds were found with
  mac::SaliencyKind saliency = mac::SaliencyKind::kUnsigned;
  int ose_orders = 0;
  double limit_spread = 0.0;
  int chips = 1;  // chip instances every point ran on
  OsaCalibration osa;
  std::vector<StudyPoint> points;            // DCIM first
  std::int64_t reference_correct = -1;       // the file's integer reference on the same images
  bool reference_predictions_equal = false;  // DCIM's predictions are the reference's, each one
  double calibration_seconds = 0.0;
};

// The limits L[0..b-2] of `level` with `spread` for a layer whose all-candidate losses are
// `candidate_loss` (see the top of this file); non-decreasing.
// Failures: UsageError for a level outside [B_0, B_(b-1)] or a negative spread.
// Thread-safety: pure.
std::vector<double> LevelLimits(const std::vector<int>& candidates,
                                const std::vector<double>& candidate_loss,
                                double level,
                                double spread = 0.0);

// Spearman's rank correlation of x and y (ties get their mean rank); 0 when either is constant
// or they have fewer than 2 values. Failures: UsageError for sizes that differ.
// Thread-safety: pure.
double SpearmanCorrelation(std::span<const double> x, std::span<const double> y);

// DCIM, HCIM at every boundary of the range, OSA-HCIM at every level; thresholds from
// `calibration`, accuracy and energy on `test`, over the chip instances `chips`.
// The thresholds are found once, on the first chip (a design decision made before any chip is
// made); every point then runs on every chip, the energy priced on the first chip's activity.
// Failures: UsageError for no chips, and as CalibrateOsa and RunNetwork. Thread-safety: reentrant.
Study RunStudy(const std::vector<MacNetwork>& chips,
               const ImageSet& calibration,
               const ImageSet& test,
               const StudyOptions& options);

// The human-readable report: the Fig. 8 table (accuracy, loss vs DCIM, TOPS/W, gain vs DCIM
// beside the paper's), the B_D/A mix per layer of each OSA point, the OSA-vs-HCIM comparison
// at equal accuracy (+-`tolerance`), and the calibration. Failures: none.
void PrintStudy(std::ostream& out, const Study& study, double tolerance = 0.005);

// One CSV line per point (and per layer: usage of each B_D/A); written atomically.
// Failures: Error naming the path.
void WriteStudyCsv(const std::filesystem::path& path, const Study& study);

// The OSA point the figures show: the most efficient one within 2 % of DCIM's accuracy (the
// paper's criterion), else the most accurate one; nullptr without OSA points. Failures: none.
const StudyPoint* OperatingOsaPoint(const Study& study);

// The accuracy HCIM reaches at energy per MAC `per_mac_j` by time-sharing its two neighbouring
// boundaries (linear between the HCIM points around it); NaN outside their range. Failures: none.
double HcimAccuracyAt(const Study& study, double per_mac_j);

// The most efficient HCIM point whose accuracy is at least `accuracy - tolerance`; nullptr when
// none. Failures: none. Thread-safety: pure.
const StudyPoint* BestHcimAt(const Study& study, double accuracy, double tolerance);

}  // namespace cimchar::network
