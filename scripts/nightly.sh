#!/usr/bin/env bash
# make nightly: the Toy-KAT nightly on local defaults, in the scratch project .kiln/nightly-run (so the
# checkout stays unmodified): build the fixtures, fetch what recipes/toy-kat.lock.json names
# (re-locking in the scratch copy only when the committed lock has aged), then `kiln nightly`
# (bake → VM disk images + boot test → tag → keep the last 7). Nights are kept in .kiln/nightly.
source "$(dirname "$0")/scratch-project.sh"

say "fixtures: wheels, SVN and git repositories from the sources in fixtures/"
bash fixtures/scripts/build-all.sh

say "scratch project .kiln/nightly-run"
scratch_project nightly-run recipes/toy-kat.toml

say "kiln fetch --recipe recipes/toy-kat.toml"
fetch_or_relock --recipe recipes/toy-kat.toml

say "kiln nightly (bake offline → VM images → boot test → tag → report)"
kiln nightly --recipe recipes/toy-kat.toml --out ../nightly
