#!/usr/bin/env bash
# One GPU per MPI process: runs "$@" with CUDA_VISIBLE_DEVICES set to (local rank mod GPUs on this
# node), the local rank from Open MPI (OMPI_COMM_WORLD_LOCAL_RANK) or Slurm (SLURM_LOCALID). Each
# worker then trains on its own GPU with --device cuda (it sees that GPU as cuda:0). Rank 0 (the
# search and its surrogate) shares GPU 0 with the first worker of its node.
#   mpirun -np 5 scripts/gpu_per_rank.sh build/apps/nas search --evaluator train --device cuda --executor mpi ...
# NAS_GPUS overrides the GPU count (default: nvidia-smi -L).
set -euo pipefail
local_rank=${OMPI_COMM_WORLD_LOCAL_RANK:-${SLURM_LOCALID:-${MPI_LOCALRANKID:-0}}}
gpus=${NAS_GPUS:-$(nvidia-smi -L 2> /dev/null | grep -c '^GPU' || true)}
if [ "${gpus:-0}" -gt 0 ]; then
  export CUDA_VISIBLE_DEVICES=$(( local_rank % gpus ))
fi
exec "$@"
