#pragma once
// What predictors see of an architecture: a DAG with one op label per node.
#include <cstdint>
#include <vector>

namespace nas {

/// Node-labelled DAG. Nodes are in topological order (edges go from lower to higher index);
/// node 0 is the input and node num_nodes-1 the output. `ops[i]` indexes the space's
/// graph_op_names(). No padding here: predictors pad when they batch.
struct GraphView {
  int num_nodes = 0;
  std::vector<int> ops;               // size num_nodes
  std::vector<std::uint8_t> adj;      // num_nodes*num_nodes, row-major, adj[i*n+j]=1 iff edge i->j

  bool edge(int i, int j) const noexcept { return adj[static_cast<std::size_t>(i * num_nodes + j)] != 0; }
  int num_edges() const noexcept {
    int m = 0;
    for (auto a : adj) m += a;
    return m;
  }
};

}  // namespace nas
