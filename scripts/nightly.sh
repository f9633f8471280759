#!/usr/bin/env bash
# make nightly: the Toy-KAT nightly on local defaults, in the scratch project .kiln/nightly-run (so the
# checkout stays unmodified): build the fixtures, fetch what recipes/toy-kat.lock.json names
# (re-locking in the scratch copy only when the committed lock has aged), then `kiln nightly`
# (bake → VM disk images + boot test → tag → keep the last 7). Nights are kept in .kiln/nightly.
source "$(dirname "$0")/scratch-project.sh"

# kiln fetch "$@"; when the committed lock has aged (exit 2: a locked deb is gone from Debian's mirror,
# which keeps only current versions, or the lock is stale), re-locks in the scratch copy and fetches.
fetch_or_relock() {
  local rc=0
  kiln fetch "$@" || rc=$?
  if [ "$rc" -eq 2 ]; then
    say "the committed lock has aged (or is stale): kiln lock --update in the scratch copy, then kiln fetch"
    kiln lock --update "$@"
    kiln fetch "$@"
  elif [ "$rc" -ne 0 ]; then
    return "$rc"
  fi
}

say "fixtures: wheels, SVN and git repositories from the sources in fixtures/"
bash fixtures/scripts/build-all.sh

say "scratch project .kiln/nightly-run"
scratch_project nightly-run recipes/toy-kat.toml

say "kiln fetch --recipe recipes/toy-kat.toml"
fetch_or_relock --recipe recipes/toy-kat.toml

say "kiln nightly (bake offline → VM images → boot test → tag → report)"
kiln nightly --recipe recipes/toy-kat.toml --out ../nightly
