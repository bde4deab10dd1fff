#pragma once
// Torch-free access to CARL's substructure masks (the explanation of its scores).
#include <span>
#include <vector>

#include "nas/core/surrogate.hpp"
#include "nas/core/graph_view.hpp"

namespace nas::predictor {

/// Masks of one architecture, on its graph_view() (node indices are graph-view indices).
struct MaskExplanation {
  GraphView graph;
  std::vector<float> node_mask;  // graph.num_nodes values in (0,1): a_i, critical share of node i
  struct Edge { int from, to; float mask; };
  std::vector<Edge> edges;       // one per edge of graph, b_ij in (0,1), row-major order
};

/// The critical masks `s` assigns to each arch (one batched pass, eval mode). `s` must be a
/// CARL or GCN surrogate from make_surrogate() that has been fitted or loaded; throws
/// std::invalid_argument otherwise.
std::vector<MaskExplanation> explain(Surrogate& s, std::span<const Genome> archs);

}  // namespace nas::predictor
