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
# today's mirror no longer resolves to the committed lock (`kiln lock --check`), the demo re-locks in
# the scratch copy (`kiln lock --update`) and says so, so that both candidates share one resolution.
# The nodes' bridge (no uplink, 10.213.x.0/24), LXC path and state live only while the demo runs: an
# EXIT trap stops and destroys the containers and deletes the bridge.
source "$(dirname "$0")/scratch-project.sh"

# Stops and destroys every container of the demo in scratch dir $1 and deletes its bridge.
remove_lab() {
  local lxcpath="$1/lxc" c
  for c in "$lxcpath"/*/; do
    [ -d "$c" ] || continue
    lxc-stop -P "$lxcpath" -n "$(basename "$c")" -k >/dev/null 2>&1 || true
    lxc-destroy -P "$lxcpath" -n "$(basename "$c")" >/dev/null 2>&1 || true
  done
  if [ -s "$1/bridge" ]; then ip link del "$(cat "$1/bridge")" >/dev/null 2>&1 || true; fi
}
remove_lab "$repo/.kiln/demo"  # what a killed run left, before its directory is removed

say "fixtures: wheels, SVN and git repositories from the sources in fixtures/"
bash fixtures/scripts/build-all.sh

say "scratch project .kiln/demo (recipes + committed locks copied; store and cache in .kiln/)"
scratch_project demo recipes/cam-node.toml
dir=$PWD

say "kiln validate (recipe + pinned requirements, no build)"
kiln validate

# The second candidate below must differ from the first by one pin only, so both need today's deb
# resolution: `kiln lock --update kat-sensors` cannot hold debs the mirror has since moved.
say "kiln lock --check (does today's mirror still resolve to the committed lock?)"
rc=0
kiln lock --check || rc=$?
if [ "$rc" -eq 1 ]; then
  say "the mirror has moved since the lock was committed: kiln lock --update in the scratch copy"
  kiln lock --update
elif [ "$rc" -ne 0 ]; then
  exit "$rc"
fi

say "kiln fetch (exactly the debs, wheels and checkouts the lock names → cache)"
kiln fetch

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
echo "$bridge" > "$dir/bridge"  # so that a run killed before its trap ran is cleaned up by the next one
trap 'rc=$?; remove_lab "$dir"; exit "$rc"' EXIT
say "a bridge with no uplink ($bridge, $net.1/24), an LXC path and the inventory in the scratch dir"
ip link add name "$bridge" type bridge
ip addr add "$net.1/24" dev "$bridge"
ip link set "$bridge" up
mkdir -p "$dir/lxc" "$dir/state"
sed -e "s|@DIR@|$dir|g" -e "s|@BRIDGE@|$bridge|g" -e "s|@NET@|$net|g" fixtures/inventories/demo-local.toml.in > site.toml
inv=(--inventory site.toml)

say "kiln deploy $image (two nodes: create slot A, start, health gate = the image's [verify])"
kiln deploy "$image" "${inv[@]}"
kiln status "${inv[@]}"

say "a candidate one pin apart: kat-sensors 0.4.0 → 0.4.1 (fixtures/python/pinned-next.txt)"
next=(--requirements fixtures/python/pinned-next.txt)
kiln lock "${next[@]}" --update kat-sensors || {
  say "the mirror moved debs during the demo: re-locking everything for the candidate (more than one pin differs)"
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
