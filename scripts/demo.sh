#!/usr/bin/env bash
# make demo: kiln's three uses end to end on local defaults.
#  1. build: the fixture sources (wheels, SVN and git repositories), validate the CAM node recipe,
#     fetch exactly what its committed lock names (the only networked step), bake offline, bake again
#     (unchanged inputs: instant), check the template against Proxmox's rules, boot it in a throwaway
#     LXC container and run its [verify] checks, tag and inspect it.
#  2. deploy: to two nodes on this machine (fixtures/inventories/demo-local.toml.in: driver lxc,
#     address "local"); then a second candidate that differs by one pin (kat-sensors 0.4.0 → 0.4.1,
#     fixtures/python/pinned-next.txt): lock, fetch, bake, diff, deploy it (A/B swap, health gate).
#  3. operate: roll back by image hash (a flip: the stopped slot still holds it), then the history.
#
# kiln runs in a scratch copy of the project (.kiln/demo: recipes and their locks copied, fixtures
# linked), so the demo never changes a tracked file. Debian's mirror keeps only current versions: when
# the committed lock has aged, the demo re-locks in the scratch copy (`kiln lock --update`) and says so.
# The nodes' bridge (no uplink, 10.213.x.0/24), LXC path and state live only while the demo runs: an
# EXIT trap stops and destroys the containers and deletes the bridge.
source "$(dirname "$0")/scratch-project.sh"

say "fixtures: wheels, SVN and git repositories from the sources in fixtures/"
bash fixtures/scripts/build-all.sh

say "scratch project .kiln/demo (recipes + committed locks copied; store and cache in .kiln/)"
scratch_project demo recipes/cam-node.toml
dir=$PWD

say "kiln validate (recipe + pinned requirements, no build)"
kiln validate

say "kiln fetch (the only networked step: exactly the debs, wheels and checkouts the lock names → cache)"
fetch_or_relock

# Bakes with the given requirements file and prints the image id (the JSON goes to the terminal too).
bake() {
  node "$repo/dist/src/bake-bin.js" --requirements "$1" --json | tee "$dir/bake.json" >&2
  node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).image)' "$dir/bake.json"
}

say "bake --requirements fixtures/python/pinned.txt (offline, from the lock)"
image=$(bake fixtures/python/pinned.txt)

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

# --- deploy: two local LXC nodes on a private bridge and LXC path, removed on exit ----------------
bridge="kilndemo$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')"
net="10.213.$((1 + $(od -An -N1 -tu1 /dev/urandom) % 250))"
lxcpath="$dir/lxc"
# Stops and destroys every container of the demo, then deletes its bridge (whatever step failed).
cleanup() {
  local rc=$?
  for c in "$lxcpath"/*/; do
    [ -d "$c" ] || continue
    lxc-stop -P "$lxcpath" -n "$(basename "$c")" -k >/dev/null 2>&1 || true
    lxc-destroy -P "$lxcpath" -n "$(basename "$c")" >/dev/null 2>&1 || true
  done
  ip link del "$bridge" >/dev/null 2>&1 || true
  exit "$rc"
}
trap cleanup EXIT
say "a bridge with no uplink ($bridge, $net.1/24), an LXC path and the inventory in the scratch dir"
ip link add name "$bridge" type bridge
ip addr add "$net.1/24" dev "$bridge"
ip link set "$bridge" up
mkdir -p "$lxcpath" "$dir/state"
sed -e "s|@DIR@|$dir|g" -e "s|@BRIDGE@|$bridge|g" -e "s|@NET@|$net|g" fixtures/inventories/demo-local.toml.in > site.toml
inv=(--inventory site.toml)

say "kiln deploy $image (two nodes: create slot A, start, health gate = the image's [verify])"
kiln deploy "$image" "${inv[@]}"
kiln status "${inv[@]}"

say "a candidate one pin apart: kat-sensors 0.4.0 → 0.4.1 (fixtures/python/pinned-next.txt)"
next=(--requirements fixtures/python/pinned-next.txt)
kiln lock "${next[@]}" --update kat-sensors || {
  say "the mirror moved debs too since the lock: re-locking everything for the candidate"
  kiln lock "${next[@]}" --update
}
kiln fetch "${next[@]}"
image2=$(bake fixtures/python/pinned-next.txt)
kiln diff "$image" "$image2"

say "kiln deploy $image2 (A/B: the new image goes into each node's stopped slot, then the swap)"
kiln deploy "$image2" "${inv[@]}"

say "kiln rollback --to $image (by image hash: the stopped slot still holds it, so a flip)"
kiln rollback "${inv[@]}" --to "$image"
kiln status "${inv[@]}"

say "kiln history (the deploy journal, newest first)"
kiln history "${inv[@]}"
