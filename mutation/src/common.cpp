#include <openssl/evp.h>

#include <fmt/format.h>

#include "nas/core/errors.hpp"
#include "nas/mutation/hash.hpp"
#include "nas/mutation/accel.hpp"
#include "nas/mutation/darts.hpp"
#include "nas/mutation/nb101.hpp"
#include "nas/mutation/nb201.hpp"
#include "nas/mutation/macro.hpp"
#include "nas/mutation/nbgraph.hpp"
#include "nas/mutation/transnas.hpp"
#include "nas/core/toy_space.hpp"
#include "nas/mutation/spaces.hpp"

namespace nas {

ArchitectureHash md5(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &len, EVP_md5(), nullptr) != 1 || len != 16)
    throw std::runtime_error("OpenSSL EVP_Digest(MD5) failed");
  ArchitectureHash h;
  for (int i = 0; i < 8; ++i) h.hi = (h.hi << 8) | digest[i];
  for (int i = 8; i < 16; ++i) h.lo = (h.lo << 8) | digest[i];
  return h;
}

std::string md5_hex(std::string_view text) { return md5(text).hex(); }

namespace {
template <class S, class... A>
std::function<std::unique_ptr<SearchSpace>()> make(A... a) {
  return [=] { return std::make_unique<S>(a...); };
}

// The list. A new space: its class and one line here.
std::vector<SpaceInfo> make_registry() {
  return {
      {"nb201", "NAS-Bench-201 cell: 6 edges x 5 ops (15,625 cells)", make<nb201::Space>()},
      {"nb101", "NAS-Bench-101 cell: a DAG of up to 7 nodes and 9 edges, 3 ops", make<nb101::Space>()},
      {"darts", "DARTS genotype: normal and reduction cells of 4 nodes, 2 inputs each, 7 ops", make<darts::Space>()},
      {"macro", "NAS-Bench-Macro: 8 layers x 3 choices (6,561 networks)", make<macro::Space>()},
      {"graph", "NAS-Bench-Graph: 4-node GNN cells, 9 ops", make<nbgraph::Space>()},
      {"graph-proteins", "NAS-Bench-Graph on proteins: its 5-op space", make<nbgraph::Space>(nbgraph::OpSet::proteins)},
      {"accel", "Accel-NASBench: MnasNet-style ImageNet networks, 7 blocks x 36 choices (expansion, kernel, layers, SE)", make<accel::Space>()},
      {"transnas-micro", "TransNAS-Bench-101 micro cell: 6 edges x 4 ops (4,096 cells)", make<transnas::MicroSpace>()},
      {"toy", "a toy categorical space (8 positions x 4 ops), for tests and examples: no benchmark", make<ToySpace>(8, 4)},
  };
}
}  // namespace

const std::vector<SpaceInfo>& spaces() {
  static const std::vector<SpaceInfo> registry = make_registry();
  return registry;
}

std::vector<std::string> space_names() {
  std::vector<std::string> names;
  for (const auto& s : spaces()) names.push_back(s.name);
  return names;
}

std::unique_ptr<SearchSpace> make_space(std::string_view name) {
  for (const auto& s : spaces())
    if (s.name == name) return s.make();
  throw OptionError(fmt::format("unknown search space '{}'; expected one of: {}", name, fmt::join(space_names(), ", ")));
}

void check_architecture_text(std::string_view space, std::string_view text) {
  if (text.size() > kMaxArchitectureText)
    throw ParseError(fmt::format("{}: a string of {} bytes starting '{}'; architecture strings are at most {} bytes", space, text.size(),
                                 text.substr(0, 40), kMaxArchitectureText));
}

}  // namespace nas
