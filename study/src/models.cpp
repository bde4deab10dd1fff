// The study library's LibTorch half (built with -DNAS_WITH_TORCH=ON): the surrogate's and real
// training's options, the guided search's option groups and the surrogate factory.
#include <chrono>

#include <fmt/format.h>

#include "nas/core/errors.hpp"
#include "nas/study/config.hpp"
#include "nas/training/network.hpp"
#include "limits.hpp"

namespace nas::study {

void declare_predictor(OptionSet& s, predictor::PredictorOptions& p, bool with_kind) {
  s.group("predictor");
  if (with_kind) s.choice("predictor", p.kind, "surrogate", {"carl", "tart", "gcn", "mlp"});
  s.integer("epochs", p.epochs, "epochs of a cold fit", 1, 1'000'000);
  s.integer("torch-threads", p.torch_threads, "torch threads of the surrogate (0 = all cores; 1 is fastest for these small networks on CPU)", 0, 1024).neutral();
  s.integer("batch-size", p.batch_size, "minibatch (ranking pairs are formed inside one)", 2, 1 << 20);
  s.real("lr", p.learning_rate, "AdamW learning rate", 1e-12, 1e3);
  s.real("weight-decay", p.weight_decay, "AdamW decoupled weight decay", 0, 1e3);
  s.integer("hidden", p.hidden, "GCN / MLP width", 1, 1 << 16);
  s.integer("layers", p.layers, "GCN message-passing layers (MLP hidden layers)", 0, 64);
  s.choice("ranking-loss", p.ranking_loss, "ranking loss", {"hinge", "pairwise_logistic"});
  s.real("hinge-margin", p.hinge_margin, "margin of the hinge loss (z-scored units)", 0, 1e3);
  s.real("mse-weight", p.mse_weight, "weight of an MSE term added to the ranking loss", 0, 1e6);
  s.choice("gcn-mode", p.gcn_mode, "GCN messages: directed (forward and backward) | sym", {"directed", "sym"});
  s.real("lambda-r", p.lambda_r, "CARL: weight of L_R (redundant path -> batch mean)", 0, 1e6);
  s.real("lambda-i", p.lambda_i, "CARL: weight of L_I (interventional ranking)", 0, 1e6);
  s.integer("interventions", p.interventions, "CARL: in-batch permutations per step", 0, 1024);
  s.choice("intervention-combine", p.intervention_combine, "CARL: z_I = z_C + z_R[pi] (sum) | [z_C, z_R[pi]] (concat)", {"sum", "concat"});
  s.real("mask-budget", p.mask_budget, "CARL: target mean of the node and edge masks", 1e-6, 1 - 1e-6);
  s.real("lambda-binary", p.lambda_binary, "CARL: weight of the 0/1 mask penalty", 0, 1e6);
  s.real("lambda-mask", p.lambda_mask, "CARL: weight of the mask-budget penalty", 0, 1e6);
  s.integer("tart-dp", p.tart_dp, "TART: Laplacian eigenvectors per token", 1, 64);
  s.custom("tart-scalar-ops", OptionSet::Type::flag, "TART: op id as one number (the paper's) instead of one-hot",
           [&p] { return std::string(p.tart_onehot ? "false" : "true"); }, [&p](const std::string& v) { p.tart_onehot = v != "true"; });
  s.real("tart-lr", p.tart_learning_rate, "TART: learning rate", 1e-12, 1e3);
  s.integer("tart-d-model", p.tart_d_model, "TART: transformer width", 1, 1 << 14);
  s.integer("tart-layers", p.tart_layers, "TART: transformer layers", 1, 64);
  s.integer("tart-heads", p.tart_heads, "TART: attention heads", 1, 64);
}

namespace {
struct TrainingDefaults {
  int channels, cells, epochs, batch;
  long long train_subset, valid_size, test_subset;
  bool auxiliary;
  double drop_path;
};
// Search: a proxy that costs seconds per candidate on 2 CPU cores (README "End-to-end search").
// Final training: the benchmarks' networks on all the data (NB201: C 16, N 5, batch 256; DARTS:
// C 36, 20 cells, auxiliary head, drop-path 0.2, batch 96); the epochs stay the user's call.
TrainingDefaults training_defaults(std::string_view space, TrainingPurpose p) {
  const bool darts = space == "darts";
  if (p == TrainingPurpose::search) return {8, darts ? 5 : 1, 5, 64, 4000, 1000, 2000, false, 0.0};
  return {darts ? 36 : 16, darts ? 20 : 5, 12, darts ? 96 : 256, 0, 5000, 0, darts, darts ? 0.2 : 0.0};
}
void apply(TrainingSettings& t, const TrainingDefaults& d) {
  t.evaluator.network.channels = d.channels;
  t.cells = d.cells;
  t.evaluator.train.epochs = d.epochs;
  t.evaluator.train.batch_size = d.batch;
  t.evaluator.train_subset = static_cast<std::size_t>(d.train_subset);
  t.evaluator.valid_size = static_cast<std::size_t>(d.valid_size);
  t.evaluator.test_subset = static_cast<std::size_t>(d.test_subset);
  t.evaluator.network.auxiliary = d.auxiliary;
  t.evaluator.network.drop_path = d.drop_path;
}
}  // namespace

training::TrainingEvaluatorOptions TrainingSettings::for_space(std::string_view space) const {
  if (!training::trainable(space))
    throw OptionError(fmt::format("--space {}: real training supports nb201 and darts (the spaces with a network builder)", space));
  training::TrainingEvaluatorOptions o = evaluator;
  if (space == "darts") o.network.layers = cells;
  else o.network.cells = cells;
  o.validate();
  return o;
}

std::shared_ptr<const training::ImageData> load_training_data(const TrainingSettings& t) {
  const auto t0 = std::chrono::steady_clock::now();
  auto d = std::make_shared<const training::ImageData>(training::load_image_data(t.data, t.data_path));
  fmt::print(stderr, "data: {} ({} training + {} test images of {}x{}x{}, {} classes) loaded in {:.2f} s\n", d->name, d->train.count(),
             d->test.count(), d->train.channels, d->train.height, d->train.width, d->classes,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return d;
}

std::string fidelity_brief(const training::TrainingEvaluatorOptions& o, std::string_view space) {
  const bool darts = space == "darts";
  return fmt::format("C {}, {} {}, {} training images, {} epochs, batch {}, lr {}, {} thread(s), device {}", o.network.channels,
                     darts ? "cells" : "N", darts ? o.network.layers : o.network.cells,
                     o.train_subset == 0 ? std::string("all") : std::to_string(o.train_subset), o.train.epochs, o.train.batch_size,
                     o.train.learning_rate, o.train.threads, training::resolve_device(o.train.device));
}

void declare_training(OptionSet& s, TrainingSettings& t, TrainingPurpose purpose) {
  const TrainingDefaults d = training_defaults("darts", purpose);
  apply(t, training_defaults("nb201", purpose));
  auto darts = [](const auto& v) { return fmt::format("darts: {}", v); };
  auto& n = t.evaluator.network;
  auto& tr = t.evaluator.train;
  s.group("training");
  s.choice("data", t.data, "images to train on", {"fashion-mnist", "cifar10"});
  s.text("data-path", t.data_path, fmt::format("fashion-mnist: default {}; cifar10: the binary version (data_batch_1..5.bin, test_batch.bin)",
                                               training::kFashionMnistDefaultDir))
      .neutral();
  s.integer("train-subset", t.evaluator.train_subset, "training images per candidate (0 = all but the validation part)", 0, kMaxCount)
      .note(darts(d.train_subset));
  s.integer("valid-size", t.evaluator.valid_size, "held out of the training data (fixed by --split-seed): the search signal", 0, kMaxCount)
      .note(darts(d.valid_size));
  s.integer("test-subset", t.evaluator.test_subset, "test images for the reported accuracy (0 = all)", 0, kMaxCount).note(darts(d.test_subset));
  s.integer("split-seed", t.evaluator.split_seed, "the split; the same for every run and candidate", 0, kMaxSeed);
  s.integer("channels", n.channels, "C (NB201: first stage width; DARTS: initial channels)", 1, 4096).note(darts(d.channels));
  s.integer("cells", t.cells, "NB201: cells per stage N; DARTS: number of cells", 1, 256).note(darts(d.cells));
  s.integer("train-epochs", tr.epochs, "epochs (cosine schedule to --train-lr-min)", 1, 100000);
  s.integer("train-batch", tr.batch_size, "batch size", 2, 65536).note(darts(d.batch));
  s.real("train-lr", tr.learning_rate, "SGD peak learning rate", 1e-12, 1e3);
  s.real("train-lr-min", tr.lr_min, "learning rate at the end of the cosine schedule", 0, 1e3);
  s.real("train-momentum", tr.momentum, "SGD momentum", 0, 1);
  s.custom("no-nesterov", OptionSet::Type::flag, "plain momentum instead of Nesterov's", [&tr] { return std::string(tr.nesterov ? "false" : "true"); },
           [&tr](const std::string& v) { tr.nesterov = v != "true"; });
  s.real("train-weight-decay", tr.weight_decay, "SGD weight decay", 0, 1e3);
  s.real("grad-clip", tr.grad_clip, "max gradient norm (0 = off; DARTS used 5)", 0, 1e9);
  s.real("aux-weight", tr.aux_weight, "DARTS: weight of the auxiliary head's loss", 0, 1e3);
  s.enumeration("augment", tr.augment, "pad-4 crop + flip (auto: on for cifar10 only)",
                {training::Augment::automatic, training::Augment::on, training::Augment::off}, training::augment_name, training::parse_augment);
  s.flag("auxiliary", n.auxiliary, "DARTS: auxiliary head").note(darts(d.auxiliary ? "true" : "false"));
  s.real("drop-path", n.drop_path, "DARTS: drop-path probability, ramped over the epochs", 0, 0.99).note(darts(d.drop_path));
  s.custom("affine-free-ops", OptionSet::Type::flag, "DARTS: BN without scale/shift in the ops (NASLib's graph, as zc_params)",
           [&n] { return std::string(n.affine_ops ? "false" : "true"); }, [&n](const std::string& v) { n.affine_ops = v != "true"; });
  s.integer("train-threads", tr.threads, "torch threads of a training (1 is fastest per process on 2 shared cores)", 0, 1024).neutral();
  s.flag("valid-every-epoch", tr.valid_every_epoch, "validation accuracy after every epoch (a learning curve)");
  s.flag("channels-last", tr.channels_last, "NHWC activations and conv weights (oneDNN's preferred CPU layout)").neutral();
}

void finish_training(OptionSet& s, TrainingSettings& t, std::string_view space, TrainingPurpose purpose) {
  if (space != "darts") return;
  const TrainingDefaults d = training_defaults("darts", purpose);
  s.set_default("channels", std::to_string(d.channels));
  s.set_default("cells", std::to_string(d.cells));
  s.set_default("train-batch", std::to_string(d.batch));
  s.set_default("train-subset", std::to_string(d.train_subset));
  s.set_default("valid-size", std::to_string(d.valid_size));
  s.set_default("test-subset", std::to_string(d.test_subset));
  s.set_default("auxiliary", d.auxiliary ? "true" : "false");
  s.set_default("drop-path", OptionSet::number_text(d.drop_path));
  (void)t;
}

void SearchConfig::declare_models() {
  OptionSet& s = options;
  s.group("guided");
  s.integer("initial", guided.initial_samples, "random cells evaluated before the first fit", 0, kMaxCount);
  s.enumeration("parent-selection", guided.parent_selection, "tournament (aging population) | best (best cells so far)",
                {GuidedOptions::Parents::tournament, GuidedOptions::Parents::best}, parent_selection_name, parse_parent_selection);
  s.integer("parents", guided.parents_per_iteration, "parents per iteration", 0, kMaxCount);
  s.integer("children", guided.children_per_parent, "children per parent", 0, kMaxCount);
  s.integer("mutation-steps", guided.mutation_steps, "mutations per child (1 or 2)", 1, 2);
  s.enumeration("rung-targets", guided.rung_targets,
                "over rungs (--fidelities): impute (full results, else the lowest rung's mapped onto the full scale) | lowest (the lowest rung's only) | second-model (one model of the full results, a second of the lowest rung's, ranked by both)",
                {GuidedOptions::RungTargets::impute, GuidedOptions::RungTargets::lowest, GuidedOptions::RungTargets::second_model},
                rung_targets_name, parse_rung_targets);
  s.integer("top-k", guided.top_k, "cells evaluated per iteration", 1, kMaxCount);
  s.integer("incumbent-k", guided.incumbent_k, "of those, the best-scored children of the best cell so far (0 = off)", 0, kMaxCount);
  s.integer("incumbent-k-stalled", guided.incumbent_k_stalled,
            "while the incumbent does not improve, its slots grow by one per iteration up to this many (capped at --top-k; 0 = fixed --incumbent-k)", 0, kMaxCount);
  s.integer("incumbent-radius", guided.incumbent_radius, "1: the incumbent's one-op children | 2: also its two-op mutations", 1, 2);
  s.real("neighbour-weight", guided.neighbour_weight,
         "add this many standard deviations of neighbour evidence (mean signal of evaluated cells one op away) to the model's scores (0 = off)", 0, 1e3);
  s.flag("kriging", guided.kriging,
         "rank by expected improvement under a Gaussian process that corrects the model's scores with the evaluated cells nearby");
  s.flag("whole-space", guided.rank_whole_space, "rank every unevaluated cell instead of children (enumerable spaces)");
  s.flag("reuse-ranking", guided.reuse_ranking,
         "take the next iterations' cells from the last ranking until the model is retrained or the incumbent changes (cheap planning for many fast workers)");
  s.group("retraining");
  auto& r = guided.retrain;
  s.enumeration("retrain", r.when, "when the surrogate is retrained",
                {RetrainSchedule::When::every_iteration, RetrainSchedule::When::every_k, RetrainSchedule::When::geometric,
                 RetrainSchedule::When::tau_drop},
                retrain_when_name, parse_retrain_when);
  s.integer("retrain-every", r.every, "every-k: new results per retrain", 1, kMaxCount);
  s.real("retrain-factor", r.factor, "geometric: history growth factor between retrains", 1.0 + 1e-9, 1e6);
  s.real("retrain-tau", r.tau_threshold, "tau-drop: retrain when the online tau of new results is below this", -1, 1);
  s.integer("retrain-epochs", r.epochs, "epochs per retrain (0 = --epochs)", 0, 1'000'000);
  s.flag("warm-start", r.warm_start, "continue from the current weights (--warm-start=false: every retrain from scratch)");
  s.integer("cold-every", r.cold_every, "warm start: every K-th retrain is from scratch all the same (0 = never)", 0, kMaxCount);
  s.real("warm-lr", r.warm_lr, "warm start: learning-rate multiplier of the warm retrains", 1e-6, 1e3);
  s.integer("window", r.window, "train on the last N results only (0 = all)", 0, kMaxCount);
  s.real("recency-weight", r.recency_weight, "sample weights favouring recent results", 0, 1e3);
  s.real("top-weight", r.top_weight, "sample weights favouring high-accuracy results", 0, 1e3);
  s.flag("async", r.asynchronous, "train a copy on its own thread; rank with the current model meanwhile");
  declare_predictor(s, predictor, true);
  s.integer("ensemble", ensemble.members, "surrogates trained on bootstrap resamples of the history (1 = one surrogate)", 1, 256);
  s.enumeration("acquisition", ensemble.acquisition, "ensemble: mean score | ucb: mean + kappa x spread over members",
                {EnsembleOptions::Acquisition::mean, EnsembleOptions::Acquisition::ucb}, acquisition_name, parse_acquisition);
  s.real("ucb-kappa", ensemble.kappa, "ensemble ucb: weight of the members' spread", 0, 100);
  s.flag("ensemble-bootstrap", ensemble.bootstrap, "ensemble: each member on a bootstrap resample (false: same cells, other seeds)");
  declare_training(s, training, TrainingPurpose::search);
  s.group("supernet");
  s.text("supernet", supernet, "--evaluator supernet: the supernet file (a `nas oneshot` run's supernet.pt), or the 5 few-shot sub-supernets "
                               "separated by commas (its few_shot/*.pt); its split is --valid-size and --split-seed, as nas oneshot's "
                               "--valid-images and --split-seed");
  s.integer("supernet-bn-batches", supernet_bn_batches, "--evaluator supernet: training batches (--train-batch images) that recompute each "
                                                        "path's BN statistics before it is measured (0 = the stored statistics)", 0, 100000);
  s.integer("supernet-valid-images", supernet_valid_images, "--evaluator supernet: validation images measured (the first of the --valid-size part; 0 = all)",
            0, kMaxCount);
  s.choice("supernet-metric", supernet_metric, "--evaluator supernet: the search signal, top-1 accuracy or minus the mean validation cross-entropy "
                                               "(loss: continuous; reported stays the accuracy)",
           {"accuracy", "loss"});
  s.integer("retrain-top", retrain_top,
            "--evaluator supernet: after each run, train its K best distinct cells from scratch with the training options (one-shot "
            "search's evaluation phase; retrain_top/seed_<s>.csv, the best by trained validation accuracy in summary.json; 0 = off)",
            0, 1000);
}

predictor::PredictorOptions run_predictor_options(const SearchConfig& c) {
  predictor::PredictorOptions p = c.predictor;
  if (c.parallel_runs > 1) p.torch_threads = 1;
  return p;
}

std::function<std::unique_ptr<Surrogate>()> surrogate_factory(const SearchConfig& c, const SearchSpace& space, std::shared_ptr<CellScorer> features) {
  const predictor::PredictorOptions po = run_predictor_options(c);
  const EnsembleOptions eo = c.ensemble;
  return [po, eo, &space, features]() -> std::unique_ptr<Surrogate> {
    if (eo.members <= 1) return predictor::make_surrogate(space, po, features);
    return std::make_unique<EnsembleSurrogate>([&] { return predictor::make_surrogate(space, po, features); }, eo);
  };
}

}  // namespace nas::study
