// The trainer and the TrainingEvaluator (LibTorch).
#include "nas/training/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numbers>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nas/core/errors.hpp"
#include "nas/core/rng.hpp"
#include "nas/training/evaluator.hpp"
#include "batches.hpp"
#include "networks.hpp"

namespace nas::training {
namespace detail {
torch::Device to_device(const std::string& name) {
  const std::string r = resolve_device(name);
  try {
    torch::Device d(r);
    if (d.is_cuda() && !torch::cuda::is_available())
      throw OptionError(fmt::format("--device {}: no CUDA device is available to this LibTorch build; use cpu or auto", name));
    if (d.is_cuda() && d.has_index() && d.index() >= static_cast<int>(torch::cuda::device_count()))
      throw OptionError(fmt::format("--device {}: only {} CUDA device(s)", name, torch::cuda::device_count()));
    return d;
  } catch (const c10::Error&) {
    throw OptionError(fmt::format("--device {}: expected auto, cpu, cuda or cuda:N", name));
  }
}

std::pair<torch::Tensor, torch::Tensor> gather(const ImageSet& set, const std::vector<std::uint32_t>& idx, torch::Device dev) {
  const std::size_t ib = set.image_bytes();
  auto x = torch::empty({static_cast<std::int64_t>(idx.size()), set.channels, set.height, set.width}, torch::kUInt8);
  auto y = torch::empty({static_cast<std::int64_t>(idx.size())}, torch::kInt64);
  auto* xp = x.data_ptr<std::uint8_t>();
  auto* yp = y.data_ptr<std::int64_t>();
  for (std::size_t i = 0; i < idx.size(); ++i) {
    std::memcpy(xp + i * ib, set.pixels.data() + static_cast<std::size_t>(idx[i]) * ib, ib);
    yp[i] = set.labels[idx[i]];
  }
  return {x.to(dev), y.to(dev)};
}

torch::Tensor prepare(const torch::Tensor& u8, const torch::Tensor& mean, const torch::Tensor& std, Rng* rng) {
  torch::Tensor x = u8.to(torch::kFloat).div_(255.0);
  if (rng) {
    const auto n = x.size(0), h = x.size(2), w = x.size(3);
    const torch::Tensor padded = torch::constant_pad_nd(x, {4, 4, 4, 4}, 0.0);
    std::vector<torch::Tensor> out;
    out.reserve(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      const auto dy = static_cast<std::int64_t>(rng->below(9)), dx = static_cast<std::int64_t>(rng->below(9));
      torch::Tensor c = padded[i].narrow(1, dy, h).narrow(2, dx, w);
      if (rng->below(2)) c = c.flip({2});
      out.push_back(c);
    }
    x = torch::stack(out);
  }
  return x.sub_(mean).div_(std);
}
void check_sgd_schedule(const char* prefix, int epochs, int batch_size, double learning_rate, double lr_min, double momentum, bool nesterov,
                        double weight_decay) {
  if (epochs < 1 || epochs > 100000) throw OptionError(fmt::format("{}epochs {}: expected 1..100000", prefix, epochs));
  if (batch_size < 2 || batch_size > 65536) throw OptionError(fmt::format("{}batch {}: expected 2..65536 (BN needs 2 images)", prefix, batch_size));
  if (!(learning_rate > 0) || !std::isfinite(learning_rate)) throw OptionError(fmt::format("{}lr {}: expected > 0", prefix, learning_rate));
  if (!(lr_min >= 0 && lr_min <= learning_rate)) throw OptionError(fmt::format("{}lr-min {}: expected 0 <= lr-min <= lr", prefix, lr_min));
  if (!(momentum >= 0 && momentum < 1)) throw OptionError(fmt::format("--momentum {}: expected 0 <= m < 1", momentum));
  if (nesterov && momentum == 0) throw OptionError("--nesterov needs --momentum > 0");
  if (!(weight_decay >= 0) || !std::isfinite(weight_decay)) throw OptionError(fmt::format("--weight-decay {}: expected >= 0", weight_decay));
}

std::string first_line(const std::exception& e) {
  std::string what = e.what();
  if (const auto nl = what.find('\n'); nl != std::string::npos) what.resize(nl);
  return what;
}
}  // namespace detail

using detail::gather;
using detail::prepare;
using detail::to_device;

namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }


/// The batch in the network's activation layout.
torch::Tensor layout(torch::Tensor x, bool channels_last) { return channels_last ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x; }

/// Accuracy (percent) of `net` on (x, y), in eval mode, batches of 256.
double accuracy(detail::GenomeNetImpl& net, const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& mean,
                const torch::Tensor& std, bool channels_last) {
  if (x.size(0) == 0) return std::numeric_limits<double>::quiet_NaN();
  torch::NoGradGuard no_grad;
  net.eval();
  std::int64_t correct = 0;
  for (std::int64_t s = 0; s < x.size(0); s += 256) {
    const auto e = std::min<std::int64_t>(s + 256, x.size(0));
    const auto logits = net.forward(layout(prepare(x.slice(0, s, e), mean, std, nullptr), channels_last));
    correct += logits.argmax(1).eq(y.slice(0, s, e)).sum().item<std::int64_t>();
  }
  return 100.0 * static_cast<double>(correct) / static_cast<double>(x.size(0));
}

/// Moves `net` to `dev`, with 4-d parameters (convolution weights) in channels-last layout if asked.
void place(detail::GenomeNetImpl& net, torch::Device dev, bool channels_last) {
  net.to(dev);
  if (!channels_last) return;
  torch::NoGradGuard no_grad;
  for (auto& p : net.parameters())
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
}


torch::optim::SGD make_sgd(detail::GenomeNetImpl& net, const TrainOptions& o) {
  return torch::optim::SGD(net.parameters(), torch::optim::SGDOptions(o.learning_rate)
                                                 .momentum(o.momentum)
                                                 .nesterov(o.nesterov)
                                                 .weight_decay(o.weight_decay));
}

/// One SGD step on a prepared batch; returns (summed loss, correct) as tensors (no device sync).
std::pair<torch::Tensor, torch::Tensor> step(detail::GenomeNetImpl& net, torch::optim::SGD& sgd, const torch::Tensor& x,
                                             const torch::Tensor& y, const TrainOptions& o) {
  sgd.zero_grad();
  const torch::Tensor logits = net.forward(x);
  torch::Tensor loss = torch::nn::functional::cross_entropy(logits, y);
  if (net.aux_logits.defined()) loss = loss + o.aux_weight * torch::nn::functional::cross_entropy(net.aux_logits, y);
  loss.backward();
  if (o.grad_clip > 0) torch::nn::utils::clip_grad_norm_(net.parameters(), o.grad_clip);
  sgd.step();
  return {loss.detach() * x.size(0), logits.detach().argmax(1).eq(y).sum()};
}

// A checkpoint: the module's parameters and buffers ("net"), the optimiser ("sgd"), and "meta":
// epoch done, step, schedule epochs, steps per epoch and the data generator's state; "gen" the
// network's own generator state where it has one.
void save_checkpoint(const std::string& path, detail::GenomeNetImpl& net, torch::optim::SGD& sgd, const Rng& rng, std::int64_t step, int epoch,
                     int schedule, std::int64_t steps_per_epoch) {
  const std::string tmp = path + ".tmp";
  try {
    torch::serialize::OutputArchive archive, net_archive, sgd_archive;
    net.save(net_archive);
    sgd.save(sgd_archive);
    archive.write("net", net_archive);
    archive.write("sgd", sgd_archive);
    const auto s = rng.state();
    std::vector<std::int64_t> meta{epoch, step, schedule, steps_per_epoch};
    for (auto w : s) meta.push_back(static_cast<std::int64_t>(w));
    archive.write("meta", torch::tensor(meta, torch::kInt64));
    if (const auto g = net.random_state(); g.defined()) archive.write("gen", g);
    archive.save_to(tmp);
  } catch (const c10::Error& e) {
    throw DataError(fmt::format("{}: cannot write the checkpoint: {}", path, e.what_without_backtrace()));
  }
  // Renamed into place: a process killed meanwhile leaves no half-written checkpoint to resume from.
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw DataError(fmt::format("{}: cannot write the checkpoint (rename failed)", path));
}

/// Restores a checkpoint into a freshly built `net` and `sgd`; returns the epoch it was saved at.
int load_checkpoint(const std::string& path, detail::GenomeNetImpl& net, torch::optim::SGD& sgd, Rng& rng, std::int64_t& step, int schedule,
                    std::int64_t steps_per_epoch, torch::Device dev) {
  torch::Tensor meta, gen;
  try {
    torch::serialize::InputArchive archive, net_archive, sgd_archive;
    archive.load_from(path, dev);
    archive.read("net", net_archive);
    archive.read("sgd", sgd_archive);
    net.load(net_archive);
    sgd.load(sgd_archive);
    archive.read("meta", meta);
    meta = meta.to(torch::kCPU);
    if (archive.try_read("gen", gen)) net.set_random_state(gen.to(torch::kCPU));
  } catch (const c10::Error& e) {
    throw DataError(fmt::format("{}: cannot read the checkpoint: {}", path, e.what_without_backtrace()));
  }
  if (meta.numel() != 8) throw DataError(fmt::format("{}: not a checkpoint of this trainer ({} meta values, expected 8)", path, meta.numel()));
  const auto* m = meta.data_ptr<std::int64_t>();
  if (m[2] != schedule || m[3] != steps_per_epoch)
    throw DataError(fmt::format("{}: a checkpoint of a {}-epoch schedule with {} steps per epoch; this training has {} and {}", path, m[2], m[3],
                                schedule, steps_per_epoch));
  step = m[1];
  rng.set_state({static_cast<std::uint64_t>(m[4]), static_cast<std::uint64_t>(m[5]), static_cast<std::uint64_t>(m[6]),
                 static_cast<std::uint64_t>(m[7])});
  return static_cast<int>(m[0]);
}

}  // namespace

Augment parse_augment(std::string_view s) {
  if (s == "auto") return Augment::automatic;
  if (s == "on") return Augment::on;
  if (s == "off") return Augment::off;
  throw OptionError(fmt::format("--augment {}: expected auto, on or off", s));
}
std::string_view augment_name(Augment a) { return a == Augment::automatic ? "auto" : a == Augment::on ? "on" : "off"; }

void TrainOptions::validate() const {
  detail::check_sgd_schedule("--train-", epochs, batch_size, learning_rate, lr_min, momentum, nesterov, weight_decay);
  if (!(grad_clip >= 0) || !std::isfinite(grad_clip)) throw OptionError(fmt::format("--grad-clip {}: expected >= 0", grad_clip));
  if (!(aux_weight >= 0) || !std::isfinite(aux_weight)) throw OptionError(fmt::format("--aux-weight {}: expected >= 0", aux_weight));
  if (threads < 0 || threads > 1024) throw OptionError(fmt::format("--train-threads {}: expected 0..1024", threads));
  (void)to_device(device);
}

std::string resolve_device(const std::string& device) {
  if (device == "auto") return torch::cuda::is_available() ? "cuda" : "cpu";
  return device;
}

TrainResult train_network(const SearchSpace& space, const Genome& g, const ImageData& data, const Split& split, NetworkOptions net_options,
                          const TrainOptions& o, std::uint64_t seed, const EpochCallback& on_epoch, const std::string& weights_path,
                          const Continuation& cont) {
  const auto t0 = Clock::now();
  o.validate();
  if (split.train.size() < 2) throw OptionError(fmt::format("the training part has {} images; expected at least 2", split.train.size()));
  if (o.threads > 0 && torch::get_num_threads() != o.threads) torch::set_num_threads(o.threads);
  const torch::Device dev = to_device(o.device);
  net_options.input_channels = data.train.channels;
  net_options.input_height = data.train.height;
  net_options.input_width = data.train.width;
  net_options.classes = data.classes;

  auto net = detail::build_network(space, g, net_options, derive_seed(seed, 1));
  TrainResult r;
  r.network.parameters = detail::count_parameters(*net);
  r.network.aux_parameters = net->aux_parameters;
  r.network.mflops = net->mflops;
  r.device = dev.str();
  place(*net, dev, o.channels_last);

  const auto [train_x, train_y] = gather(data.train, split.train, dev);
  const auto [valid_x, valid_y] = gather(data.train, split.valid, dev);
  const auto [test_x, test_y] = gather(data.test, split.test, dev);
  const auto C = data.train.channels;
  const torch::Tensor mean = torch::tensor(data.mean).view({1, C, 1, 1}).to(dev);
  const torch::Tensor stdv = torch::tensor(data.std).view({1, C, 1, 1}).to(dev);
  const bool augment = o.augment == Augment::on || (o.augment == Augment::automatic && data.name == "cifar10");

  auto sgd = make_sgd(*net, o);
  Rng rng(derive_seed(seed, 2));
  const auto n = static_cast<std::int64_t>(split.train.size());
  // Drop the last incomplete batch when it would hold a single image (BN cannot normalise it).
  const std::int64_t steps_per_epoch = (n + o.batch_size - 1) / o.batch_size - (n % o.batch_size == 1 ? 1 : 0);
  const int schedule = cont.schedule_epochs > 0 ? cont.schedule_epochs : o.epochs;
  if (o.epochs > schedule) throw OptionError(fmt::format("--train-epochs {}: beyond the schedule of {} epochs", o.epochs, schedule));
  const double total_steps = static_cast<double>(steps_per_epoch) * schedule;
  std::int64_t t = 0;
  int first = 1;
  if (!cont.resume_from.empty()) {
    first = load_checkpoint(cont.resume_from, *net, sgd, rng, t, schedule, steps_per_epoch, dev) + 1;
    place(*net, dev, o.channels_last);  // the layout the network trains in
    if (first > o.epochs)
      throw OptionError(fmt::format("{}: the checkpoint is at epoch {}; nothing to train up to epoch {}", cont.resume_from, first - 1, o.epochs));
  }
  double train_seconds = 0;
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  for (int epoch = first; epoch <= o.epochs; ++epoch) {
    const auto te = Clock::now();
    net->train();
    net->set_drop_path(net_options.drop_path * (epoch - 1) / schedule);  // DARTS' linear ramp, over the whole schedule
    std::iota(perm.begin(), perm.end(), 0);
    for (std::size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[rng.below(i)]);
    const torch::Tensor order = torch::tensor(perm).to(dev);
    EpochLog log;
    log.epoch = epoch;
    torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions().device(dev)), correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(dev));
    std::int64_t seen = 0;
    for (std::int64_t s = 0; s < steps_per_epoch; ++s, ++t) {
      const double lr = o.lr_min + 0.5 * (o.learning_rate - o.lr_min) * (1 + std::cos(std::numbers::pi * static_cast<double>(t) / total_steps));
      if (s == 0) log.learning_rate = lr;
      for (auto& group : sgd.param_groups()) static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
      const auto idx = order.slice(0, s * o.batch_size, std::min<std::int64_t>((s + 1) * o.batch_size, n));
      const torch::Tensor x = layout(prepare(train_x.index_select(0, idx), mean, stdv, augment ? &rng : nullptr), o.channels_last);
      const auto [l, c] = step(*net, sgd, x, train_y.index_select(0, idx), o);
      loss_sum += l;
      correct += c;
      seen += idx.size(0);
    }
    log.train_loss = loss_sum.item<double>() / static_cast<double>(seen);
    log.train_accuracy = 100.0 * static_cast<double>(correct.item<std::int64_t>()) / static_cast<double>(seen);
    log.seconds = since(te);
    train_seconds += log.seconds;
    if (!std::isfinite(log.train_loss))
      throw TrainingFailed(fmt::format("{}: training diverged in epoch {} (loss {}); try a smaller --train-lr", space.format(g), epoch, log.train_loss));
    log.valid_accuracy = (o.valid_every_epoch || epoch == o.epochs) ? accuracy(*net, valid_x, valid_y, mean, stdv, o.channels_last)
                                                                     : std::numeric_limits<double>::quiet_NaN();
    r.curve.push_back(log);
    if (on_epoch) on_epoch(log);
  }
  r.valid_accuracy = r.curve.back().valid_accuracy;
  r.test_accuracy = accuracy(*net, test_x, test_y, mean, stdv, o.channels_last);
  r.train_images_per_second = train_seconds > 0 ? static_cast<double>(n) * (o.epochs - first + 1) / train_seconds : 0;
  if (!cont.save_to.empty()) save_checkpoint(cont.save_to, *net, sgd, rng, t, o.epochs, schedule, steps_per_epoch);
  if (!weights_path.empty()) {
    try {
      torch::serialize::OutputArchive archive;
      net->to(torch::kCPU);
      net->save(archive);
      archive.save_to(weights_path);
    } catch (const c10::Error& e) {
      throw DataError(fmt::format("{}: cannot save the weights: {}", weights_path, e.what_without_backtrace()));
    }
  }
  r.seconds = since(t0);
  return r;
}

double measure_training_throughput(const SearchSpace& space, const Genome& g, const NetworkOptions& net_options, const TrainOptions& o,
                                   int steps, int warmup) {
  o.validate();
  if (o.threads > 0) torch::set_num_threads(o.threads);
  const torch::Device dev = to_device(o.device);
  auto net = detail::build_network(space, g, net_options, 0);
  place(*net, dev, o.channels_last);
  net->train();
  auto sgd = make_sgd(*net, o);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  const auto x = layout(torch::randn({o.batch_size, net_options.input_channels, net_options.input_height, net_options.input_width}, gen).to(dev),
                        o.channels_last);
  const auto y = torch::randint(net_options.classes, {o.batch_size}, gen).to(dev);
  Clock::time_point t0;
  for (int i = 0; i < warmup + steps; ++i) {
    if (i == warmup) {
      if (dev.is_cuda()) torch::cuda::synchronize();
      t0 = Clock::now();
    }
    const auto [l, c] = step(*net, sgd, x, y, o);
    if (i == warmup + steps - 1) (void)l.item<double>();  // waits for the device
  }
  return static_cast<double>(steps) * o.batch_size / since(t0);
}

// ---------------------------------------------------------------------------------------------

void TrainingEvaluatorOptions::validate() const {
  network.validate();
  train.validate();
  for (std::size_t i = 0; i < rungs.size(); ++i)
    if (!(rungs[i] >= 1) || rungs[i] != std::floor(rungs[i]) || (i > 0 && !(rungs[i] > rungs[i - 1])))
      throw OptionError(fmt::format("--fidelities: real training's rungs are whole epochs >= 1, ascending; got {}", rungs[i]));
}

std::string TrainingEvaluator::checkpoint(const ArchitectureHash& h, double epochs) const {
  return fmt::format("{}/seed_{}/{:016x}{:016x}_e{}.pt", options_.checkpoint_dir, run_seed_, h.hi, h.lo, static_cast<int>(epochs));
}

Evaluation TrainingEvaluator::evaluate_at(const Genome& g, const Fidelity& f) {
  const auto& rungs = options_.rungs;
  if (f.resource != "epochs" || std::find(rungs.begin(), rungs.end(), f.amount) == rungs.end())
    throw std::invalid_argument(fmt::format("training: no rung {} {}; the rungs are {} epochs", f.amount, f.resource, fmt::join(rungs, ",")));
  ++queries_;
  const ArchitectureHash h = space_.canonical_hash(g);
  if (auto it = done_rungs_.find({h, f.amount}); it != done_rungs_.end()) {
    Evaluation e = it->second;
    e.cost_seconds = 0, e.spent = 0;
    return e;
  }
  // The highest lower rung this run left a checkpoint at (any worker of the run: a file).
  std::string from;
  double from_epochs = 0;
  if (!options_.checkpoint_dir.empty())
    for (auto r = rungs.rbegin(); r != rungs.rend(); ++r)
      if (*r < f.amount && std::filesystem::exists(checkpoint(h, *r))) {
        from = checkpoint(h, *r), from_epochs = *r;
        break;
      }
  TrainOptions t = options_.train;
  t.epochs = static_cast<int>(f.amount);
  Continuation c{static_cast<int>(rungs.back()), from, ""};
  if (!options_.checkpoint_dir.empty() && f.amount < rungs.back()) {
    c.save_to = checkpoint(h, f.amount);
    std::filesystem::create_directories(std::filesystem::path(c.save_to).parent_path());
  }
  if (observer_.on_start) observer_.on_start(g);
  EpochCallback cb;
  if (observer_.on_epoch) cb = [&](const EpochLog& l) { observer_.on_epoch(g, l); };
  const TrainResult r = train_network(space_, g, *data_, split_, options_.network, t, derive_seed(run_seed_, h.hi, h.lo), cb, "", c);
  ++trainings_;
  // Its continuation is made: the lower checkpoint is not needed again (were it needed after a
  // crash, training from scratch gives the same result, at the full cost).
  if (!from.empty()) {
    std::error_code ignored;
    std::filesystem::remove(from, ignored);
  }
  Evaluation e;
  e.signal = r.valid_accuracy;
  e.reported = r.test_accuracy;
  e.cost_seconds = r.seconds;
  e.parameters = r.network.parameters;
  e.spent = f.amount - from_epochs;
  done_rungs_.emplace(std::pair{h, f.amount}, e);
  if (observer_.on_result) observer_.on_result(g, r, true);
  return e;
}

TrainingEvaluator::TrainingEvaluator(const SearchSpace& space, std::shared_ptr<const ImageData> data, TrainingEvaluatorOptions options,
                                     std::uint64_t run_seed, TrainingObserver observer)
    : space_(space), data_(std::move(data)), options_(std::move(options)), run_seed_(run_seed), observer_(std::move(observer)) {
  if (!trainable(space.name()))
    throw OptionError(fmt::format("--space {}: no network builder; the training evaluator supports nb201 and darts", space.name()));
  options_.network.input_channels = data_->train.channels;
  options_.network.input_height = data_->train.height;
  options_.network.input_width = data_->train.width;
  options_.network.classes = data_->classes;
  options_.validate();
  split_ = make_split(*data_, options_.train_subset, options_.valid_size, options_.test_subset, options_.split_seed);
  if (split_.valid.empty()) throw OptionError("--valid-size 0: the search signal is the validation accuracy; expected at least 1 image");
}

Evaluation TrainingEvaluator::evaluate(const Genome& g) {
  if (!options_.rungs.empty()) return evaluate_at(g, {"epochs", options_.rungs.back()});
  ++queries_;
  const ArchitectureHash h = space_.canonical_hash(g);
  if (auto it = done_.find(h); it != done_.end()) {
    Evaluation e = it->second.first;
    e.cost_seconds = 0;
    if (observer_.on_result) observer_.on_result(g, it->second.second, false);
    return e;
  }
  if (observer_.on_start) observer_.on_start(g);
  EpochCallback cb;
  if (observer_.on_epoch) cb = [&](const EpochLog& l) { observer_.on_epoch(g, l); };
  const TrainResult r = train_network(space_, g, *data_, split_, options_.network, options_.train, derive_seed(run_seed_, h.hi, h.lo), cb);
  ++trainings_;
  Evaluation e;
  e.signal = r.valid_accuracy;
  e.reported = r.test_accuracy;
  e.cost_seconds = r.seconds;
  e.parameters = r.network.parameters;
  e.spent = options_.train.epochs;
  done_.emplace(h, std::pair(e, r));
  if (observer_.on_result) observer_.on_result(g, r, true);
  return e;
}

}  // namespace nas::training
