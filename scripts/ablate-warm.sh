#!/usr/bin/env bash
# The warm restarts of docs/RUNS.md, each resumed where it stopped (a finished run is left as
# it is), one after another:
#   bash scripts/ablate-warm.sh [ROOT [RUN...]]   # all runs, or only the named ones, under ROOT (runs)
# Two processes with OMP_NUM_THREADS=1 and different RUNs run two restarts side by side.
# Needs the release build (swift build -c release --product wnet), ../shared/data and git: each
# run starts from the bundled weights of a named commit, extracted to ROOT/init-COMMIT.safetensors.
source "$(dirname "$0")/runs-common.sh"
mkdir -p "$root"
common=(--preset matching "${data_args[@]}"
  --validation-fraction 0.1 --synthetic-share 0.25 --learning-rate 1e-3 --ssim
  --occlusion-mask --cosine-correlation
  --batch-size 6 --height 192 --width 336 --checkpoint-every 250 --validate-every 250)
# run NAME COMMIT SEED FLAGS...: a restart from COMMIT's bundled weights with batches of SEED;
# 2000 steps with the rate dropped at 1500 unless FLAGS give --steps (and their own schedule).
run() {
  local name="$1" commit="$2" seed="$3"
  shift 3
  if [ "${#wanted[@]}" -gt 0 ] && [[ ! " ${wanted[*]} " =~ " $name " ]]; then return; fi
  if [ -f "$root/$name/checkpoint.safetensors" ]; then
    "$wnet" train --resume --output "$root/$name"
    return
  fi
  # A self-teacher run reads the teacher's proxies from its folder: they must be there first.
  if [[ "$name" == distill* && "$name" != distill-control* ]] \
    && [ -z "$(ls "$root/$name/proxies" 2>/dev/null)" ]; then
    echo "$root/$name/proxies is empty: fill it with benchmarks/self_teacher_proxies.py first" >&2
    return 1
  fi
  local init="$root/init-$commit.safetensors"
  bundled_weights "$commit"
  local schedule=(--steps 2000 --learning-rate-drops 1500)
  if [[ " $* " =~ " --steps " ]]; then schedule=(); fi
  "$wnet" train "${common[@]}" "${schedule[@]}" --init-from "$init" --seed "$seed" "$@" \
    --output "$root/$name"
}
# 2026-12-01, from the 8000 + 7000-step model; ab-proxy10 shipped.
run ab-control 33a0593 3 --proxy-weight 0.1 --max-scale 2.5 --min-coverage 0.03 --smoothness-weight 0.01
run ab-proxy03 33a0593 3 --proxy-weight 0.3 --max-scale 2.5 --min-coverage 0.03 --smoothness-weight 0.01
run ab-proxy10 33a0593 3 --proxy-weight 1 --max-scale 2.5 --min-coverage 0.03 --smoothness-weight 0.01
run ab-proxy30 33a0593 3 --proxy-weight 3 --max-scale 2.5 --min-coverage 0.03 --smoothness-weight 0.01
run ab-scale4 33a0593 3 --proxy-weight 0.1 --max-scale 4 --min-coverage 0.01 --smoothness-weight 0.01
# 2026-12-01 (second session), from ab-proxy10's step 2000 (bundled at 72bcf96).
run p1-more 72bcf96 4 --proxy-weight 1 --max-scale 2.5 --min-coverage 0.03 --smoothness-weight 0.01
run p1-scale4 72bcf96 4 --proxy-weight 1 --max-scale 4 --min-coverage 0.01 --smoothness-weight 0.01
run p1-consistency 72bcf96 4 --proxy-weight 1 --max-scale 2.5 --min-coverage 0.03 --consistency --smoothness-weight 0.01
run p1-smooth03 72bcf96 4 --proxy-weight 1 --max-scale 2.5 --min-coverage 0.03 --smoothness-weight 0.03
# 2026-12-01 (third session), from the same weights, with the local hand-offs of every scale.
run le-more 72bcf96 4 --proxy-weight 1 --max-scale 2.5 --min-coverage 0.03 --smoothness-weight 0.01 --local-coarse-estimate --local-refinement-estimates
run le-tune 72bcf96 5 --proxy-weight 1 --max-scale 2.5 --min-coverage 0.03 --smoothness-weight 0.01 --local-coarse-estimate --local-refinement-estimates --steps 1000 --learning-rate 1e-4
# The same fine-tune with other batches: how far fine-tunes scatter (informational, not shipped).
run le-tune-b 72bcf96 6 --proxy-weight 1 --max-scale 2.5 --min-coverage 0.03 --smoothness-weight 0.01 --local-coarse-estimate --local-refinement-estimates --steps 1000 --learning-rate 1e-4
# 2026-12-01 (fourth session), from the shipped le-tune weights (f7de45e): the model at
# --upscale auto as its own proxy teacher, against SGBM's proxies (docs/RUNS.md). Fill a distill
# run's proxies first: benchmarks/self_teacher_proxies.py MODEL runs/distill-control/proxies
# runs/distill/proxies (the control's SGBM files name the pairs; run the control first).
lt=(--proxy-weight 1 --max-scale 2.5 --min-coverage 0.03 --smoothness-weight 0.01 --local-coarse-estimate --local-refinement-estimates --steps 1000 --learning-rate 1e-4)
run distill-control f7de45e 7 "${lt[@]}"
run distill f7de45e 7 "${lt[@]}"
run distill-control-b f7de45e 8 "${lt[@]}"
run distill-b f7de45e 8 "${lt[@]}"
# The same recipe with the teacher built into wnet train (--proxy-teacher), its weights the
# start's own.
run teach f7de45e 9 "${lt[@]}" --proxy-teacher "$root/init-f7de45e.safetensors"
# 2026-12-01 (fifth session): the teacher with one check per view (the prototype's rule), on
# distill-b's seed.
run teach-b f7de45e 8 "${lt[@]}" --proxy-teacher "$root/init-f7de45e.safetensors"
# 2026-12-01 (fifth session), from teach-b (bundled at 1b7a563): the new model as its own
# teacher, against the previous teacher (copy runs/teach-b/proxies into the control's folder
# first: the same teacher's files).
run teach-c 1b7a563 10 "${lt[@]}" --proxy-teacher "$root/init-1b7a563.safetensors"
run teach-c-control 1b7a563 10 "${lt[@]}" --proxy-teacher "$root/init-f7de45e.safetensors"
# 2026-12-01 (fifth session, at its end), from teach-c (bundled at 6d1956c), its own teacher:
# the proxy term's weight, 1 against 3.
run teach-d 6d1956c 11 "${lt[@]}" --proxy-teacher "$root/init-6d1956c.safetensors"
run teach-d-w3 6d1956c 11 --proxy-weight 3 "${lt[@]:2}" --proxy-teacher "$root/init-6d1956c.safetensors"
# 2026-12-02 (sixth session), from teach-d-w3 (bundled at d2e9849), teach-c's teacher (copy
# runs/teach-d-w3/proxies into each folder first): the occlusion mask by coverage (SGM's test)
# instead of the left-right check, without and with the (then masked) consistency term.
w3=(--proxy-weight 3 "${lt[@]:2}" --proxy-teacher "$root/init-6d1956c.safetensors")
bundled_weights 6d1956c # the teacher of every run below
run cov-control d2e9849 12 "${w3[@]}"
run cov d2e9849 12 "${w3[@]}" --occlusion-rule coverage
run cov-cons d2e9849 12 "${w3[@]}" --occlusion-rule coverage --consistency
# The same, with the consistency term at every scale (it reached only the finest scale's ±2 px
# offsets before), against cov-control and cov.
run cons-ms d2e9849 12 "${w3[@]}" --consistency
run cons-ms-cov d2e9849 12 "${w3[@]}" --occlusion-rule coverage --consistency
# The recipe once more with other batches: how far these fine-tunes scatter (informational,
# never ships).
run cov-control-b d2e9849 13 "${w3[@]}"
# 2026-12-02 (seventh session), from the same weights and recipe: SGBM's proxies in the
# teacher's holes, three seeds (copy runs/teach-d-w3/proxies and an SGBM run's proxies, such as
# runs/ab-proxy10/proxies, into each folder first), against cov-control and cov-control-b.
run holes-12 d2e9849 12 "${w3[@]}" --proxy-holes sgbm
run holes-13 d2e9849 13 "${w3[@]}" --proxy-holes sgbm
run holes-14 d2e9849 14 "${w3[@]}" --proxy-holes sgbm
# The same three seeds with the proxy term at weight 10, no holes filled (copy
# runs/teach-d-w3/proxies in first).
w10=(--proxy-weight 10 "${lt[@]:2}" --proxy-teacher "$root/init-6d1956c.safetensors")
run w10-12 d2e9849 12 "${w10[@]}"
run w10-13 d2e9849 13 "${w10[@]}"
run w10-14 d2e9849 14 "${w10[@]}"
# The control recipe with seed 14 (informational, never ships): the third seed of the control,
# so that holes-14 and w10-14 have a pair.
run control-14 d2e9849 14 "${w3[@]}"
# 2026-12-02 (eighth session), from the same weights: the whole range matched at 1/4
# (--quarter-coarse), transplanted (the features and the 1/2 and 1/1 refinement copied, the
# coarse stage seeded), 1500 steps with the rate dropped at 1000 so that the new stage trains;
# two seeds (copy runs/teach-d-w3/proxies in first).
qc=(--proxy-weight 3 --max-scale 2.5 --min-coverage 0.03 --smoothness-weight 0.01
  --local-coarse-estimate --local-refinement-estimates --steps 1500 --learning-rate 1e-3
  --learning-rate-drops 1000 --proxy-teacher "$root/init-6d1956c.safetensors"
  --quarter-coarse --transplant)
run qc-12 d2e9849 12 "${qc[@]}"
run qc-13 d2e9849 13 "${qc[@]}"
# The same with the coarse context branch and the deep features (both at 1/4 here, both new),
# for a wider receptive field than qc's, seed 12; and qc-12 continued (a copy of its folder,
# resumed by hand: wnet train --resume --steps 3000 --learning-rate-drops 2500 --output
# ROOT/qc-12-long).
run qcx-12 d2e9849 12 "${qc[@]}" --coarse-context --deep-features
# 2026-12-02 (tenth session), from the same weights and recipe: the teacher's kept pixels through
# the weighted median (--proxy-teacher-median), three seeds (their proxies are the same files:
# link one proxies folder into the others), against the recorded controls of seeds 12-14; and
# seed 12's control again (control-12r), to check that today's code reproduces cov-control.
run wmt-12 d2e9849 12 "${w3[@]}" --proxy-teacher-median
run wmt-13 d2e9849 13 "${w3[@]}" --proxy-teacher-median
run wmt-14 d2e9849 14 "${w3[@]}" --proxy-teacher-median
run control-12r d2e9849 12 "${w3[@]}"
# The control's seeds 13 and 14 again with today's code (link control-12r's proxies in), so that
# each wmt run has a control from the same code.
run control-13r d2e9849 13 "${w3[@]}"
run control-14r d2e9849 14 "${w3[@]}"
# 2026-12-03 (fifteenth session), from the same weights and recipe, seeds 13, 12 and 14: SGBM's
# proxy also where the teacher's kept value differs from it by more than 3 px (--proxy-holes
# sgbm-conflicts), each against a control with today's code. Copy control-12r's proxies (the
# teacher's files) into each control-Ss/proxies first, and afterwards that control's proxies and
# an SGBM run's (such as /work/runs/pv-proxies/proxies) into conflicts-S/proxies.
run control-13s d2e9849 13 "${w3[@]}"
run conflicts-13 d2e9849 13 "${w3[@]}" --proxy-holes sgbm-conflicts
run control-12s d2e9849 12 "${w3[@]}"
run conflicts-12 d2e9849 12 "${w3[@]}" --proxy-holes sgbm-conflicts
run control-14s d2e9849 14 "${w3[@]}"
run conflicts-14 d2e9849 14 "${w3[@]}" --proxy-holes sgbm-conflicts
# The pilot of docs/RUNS.md, "Rendering only what the other view sees": control-13s's recipe with
# the prototype (WNET_INVIEW_RENDER=1, a build of /work/ana/s25/inview-prototype.patch, not kept;
# WNET=that binary), control-13s's teacher files copied in first.
run inview-13 d2e9849 13 "${w3[@]}"
# 2026-12-03 (sixteenth session), from the same weights and recipe: a new teacher round, the
# start itself (d2e9849) as the teacher, with --proxy-holes sgbm-conflicts, seeds 13, 12 and 14,
# against control-Ss and conflicts-S above (docs/RUNS.md, "A teacher round with SGBM where it
# disagrees"). Copy an SGBM run's proxies (such as /work/runs/pv-proxies/proxies) into
# teachconf-13/proxies first; it computes its teacher's files; then copy that folder into the
# other two.
w3n=(--proxy-weight 3 "${lt[@]:2}" --proxy-teacher "$root/init-d2e9849.safetensors")
run teachconf-13 d2e9849 13 "${w3n[@]}" --proxy-holes sgbm-conflicts
run teachconf-12 d2e9849 12 "${w3n[@]}" --proxy-holes sgbm-conflicts
run teachconf-14 d2e9849 14 "${w3n[@]}" --proxy-holes sgbm-conflicts
