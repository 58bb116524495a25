# Sourced by the interleaved speed scripts (marked_speed.sh, matching_speed.sh, median_speed.sh)
# as `source "$(dirname "$0")/speed-common.sh" DEFAULT_ROUNDS "$@"`: stops on errors, works from
# the repository root, and sets rounds (the script's first argument, else DEFAULT_ROUNDS), left and
# right (LEFT and RIGHT, else the OAK-D desk pair at 640x480) and OMP_NUM_THREADS (default 2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds="${2:-$1}"
left="${LEFT:-../shared/data/real-unlabelled/oakd-desk/left.png}"
right="${RIGHT:-../shared/data/real-unlabelled/oakd-desk/right.png}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
