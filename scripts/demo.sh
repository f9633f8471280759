#!/usr/bin/env bash
# make demo: kiln's main job end to end on local defaults: build the fixture sources (wheels, SVN and
# git repositories), validate the CAM node recipe, fetch exactly what its committed lock names (the
# only networked step), bake offline, bake again (unchanged inputs: instant), check the template
# against Proxmox's rules, boot it in a throwaway LXC container and run its [verify] checks, list and
# inspect it.
#
# kiln runs in a scratch copy of the project (.kiln/demo: recipes and their locks copied, fixtures
# linked), so the demo never changes a tracked file. Debian's mirror keeps only current versions: when
# the committed lock has aged (a locked deb is gone from the mirror and not in .kiln/cache), the demo
# re-locks in the scratch copy (`kiln lock --update`) and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
kiln() { node "$repo/dist/src/main.js" "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "fixtures: wheels, SVN and git repositories from the sources in fixtures/"
bash fixtures/scripts/build-all.sh

say "scratch project .kiln/demo (recipes + committed locks copied; store and cache in .kiln/)"
scratch=.kiln/demo
rm -rf "$scratch"
mkdir -p "$scratch"
cp -R recipes "$scratch/recipes"
ln -s "$repo/fixtures" "$scratch/fixtures"
printf 'recipe = "recipes/cam-node.toml"\nfind_links = "fixtures/build/wheelhouse"\nstore = "../store"\ncache = "../cache"\n' > "$scratch/kiln.toml"
cd "$scratch"

say "kiln validate (recipe + pinned requirements, no build)"
kiln validate

say "kiln fetch (the only networked step: exactly the debs, wheels and checkouts the lock names → cache)"
rc=0
kiln fetch || rc=$?
if [ "$rc" -eq 2 ]; then
  say "the committed lock has aged (or is stale): kiln lock --update in the scratch copy, then kiln fetch"
  kiln lock --update
  kiln fetch
elif [ "$rc" -ne 0 ]; then
  exit "$rc"
fi

say "bake --requirements fixtures/python/pinned.txt (offline, from the lock)"
node "$repo/dist/src/bake-bin.js" --requirements fixtures/python/pinned.txt --json | tee ../last-bake.json
image=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync("../last-bake.json","utf8")).image)')

say "bake again: unchanged inputs return the stored image at once"
time kiln bake --json

say "kiln check $image (Proxmox template rules)"
kiln check "$image"

say "kiln verify $image (boot it in a throwaway LXC container, run the recipe's [verify] checks)"
kiln verify "$image"

say "kiln tag / images / inspect"
kiln tag "$image" demo
kiln images
kiln inspect demo
