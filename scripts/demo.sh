#!/usr/bin/env bash
# make demo: kiln's main job end to end on local defaults (kiln.toml in the repository root):
# build the fixture sources (wheels, SVN and git repositories), validate the CAM node recipe,
# fetch (the only networked step), bake offline, bake again (unchanged inputs: instant),
# check the template against Proxmox's rules, boot it in a throwaway LXC container and run its
# [verify] checks, list and inspect it.
set -euo pipefail
cd "$(dirname "$0")/.."
kiln() { node dist/src/main.js "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "fixtures: wheels, SVN and git repositories from the sources in fixtures/"
bash fixtures/scripts/build-all.sh

say "kiln validate (recipe + pinned requirements, no build)"
kiln validate

say "kiln fetch (the only networked step: debs, wheels, checkouts → cache + lock)"
kiln fetch

say "bake --requirements fixtures/python/pinned.txt (offline, from the lock)"
node dist/src/bake-bin.js --requirements fixtures/python/pinned.txt --json | tee .kiln/last-bake.json
image=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(".kiln/last-bake.json","utf8")).image)')

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
