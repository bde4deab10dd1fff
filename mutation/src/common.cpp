#include <openssl/evp.h>

#include <fmt/format.h>

#include "nas/core/errors.hpp"
#include "nas/mutation/hash.hpp"
#include "nas/mutation/darts.hpp"
#include "nas/mutation/nb101.hpp"
#include "nas/mutation/nb201.hpp"
#include "nas/mutation/macro.hpp"
#include "nas/mutation/nbgraph.hpp"
#include "nas/mutation/transnas.hpp"
#include "nas/mutation/search_space.hpp"

namespace nas {

std::string ArchitectureHash::hex() const { return fmt::format("{:016x}{:016x}", hi, lo); }

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

Genome SearchSpace::at(std::uint64_t) const {
  throw std::logic_error(fmt::format("search space '{}' cannot be enumerated", name()));
}

std::vector<std::string> space_names() { return {"nb201", "nb101", "darts", "macro", "graph", "graph-proteins", "transnas-micro"}; }

std::unique_ptr<SearchSpace> make_space(std::string_view name) {
  if (name == "nb201") return std::make_unique<nb201::Space>();
  if (name == "nb101") return std::make_unique<nb101::Space>();
  if (name == "darts") return std::make_unique<darts::Space>();
  if (name == "macro") return std::make_unique<macro::Space>();
  if (name == "graph") return std::make_unique<nbgraph::Space>();
  if (name == "graph-proteins") return std::make_unique<nbgraph::Space>(nbgraph::OpSet::proteins);
  if (name == "transnas-micro") return std::make_unique<transnas::MicroSpace>();
  throw OptionError(fmt::format("unknown search space '{}'; expected one of: {}", name,
                                fmt::join(space_names(), ", ")));
}

void check_architecture_text(std::string_view space, std::string_view text) {
  if (text.size() > kMaxArchitectureText)
    throw ParseError(fmt::format("{}: a string of {} bytes starting '{}'; architecture strings are at most {} bytes", space, text.size(),
                                 text.substr(0, 40), kMaxArchitectureText));
}

}  // namespace nas
