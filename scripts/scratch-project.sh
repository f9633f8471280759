# Shared by scripts/demo.sh and scripts/nightly.sh (sourced, not run): kiln runs in a scratch copy of
# the project under .kiln/ (recipes and their committed locks copied, fixtures linked, store and cache
# in .kiln/), so neither ever changes a tracked file.
# shellcheck shell=bash
set -euo pipefail
shopt -s inherit_errexit  # a failing command inside $(...) stops the script too
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
kiln() { node "$repo/dist/src/main.js" "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Creates the scratch project .kiln/$1 for recipe $2 (relative to the project) and cd's into it.
scratch_project() {
  local dir=".kiln/$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -R recipes "$dir/recipes"
  ln -s "$repo/fixtures" "$dir/fixtures"
  printf 'recipe = "%s"\nfind_links = "fixtures/build/wheelhouse"\nstore = "../store"\ncache = "../cache"\n' "$2" > "$dir/kiln.toml"
  cd "$dir"
}
