// The mmdebstrap hook scripts kiln uses. Each is a constant: data reaches it only through environment
// variables (KILN_*) and mmdebstrap's own $1 (the chroot directory), never by pasting strings into code.
// Each starts with `: "${VAR:?}"` so a missing variable stops the hook instead of writing to "/".

/** Offers debs already in kiln's cache ($KILN_SEED, apt's file names) to apt, which then downloads only what is new. */
export const SEED_DEBS_HOOK = [
  "set -eu",
  ': "${KILN_SEED:?}"',
  'mkdir -p "$1/var/cache/apt/archives"',
  // A hard link costs nothing; apt checks each file against the signed index and replaces (never
  // rewrites) a file that does not match, so the cache entry behind the link is never modified.
  'for f in "$KILN_SEED"/*.deb; do [ -e "$f" ] || continue; ln "$f" "$1/var/cache/apt/archives/" 2>/dev/null || cp "$f" "$1/var/cache/apt/archives/"; done',
].join("\n");

/**
 * After `apt-get update` (the extract hook is the first to run after it): records every version the
 * configured sources offer of the requested names ($KILN_OUT/names, one per line) for the error
 * message, then stops the run at once (exit 100) if a request ($KILN_OUT/wants: `name` or
 * `name|version`) is not among them, instead of failing only after the essential set is installed.
 */
export const CHECK_REQUESTS_HOOK = [
  "set -eu",
  ': "${KILN_OUT:?}"',
  'cd "$KILN_OUT"',
  'xargs -r -a names env APT_CONFIG="$MMDEBSTRAP_APT_CONFIG" apt-cache madison > madison',
  // `  name |  version | uri suite/component arch Packages` → binary entries as `name|version|…`.
  "sed 's/^ *//; s/ *| */|/g' madison | grep '|.*Packages$' > madison.bin || :",
  "cut -d'|' -f1 madison.bin > have-names; cut -d'|' -f1,2 madison.bin > have-versions",
  'while IFS= read -r w; do case "$w" in *"|"*) f=have-versions ;; *) f=have-names ;; esac; grep -qxF -- "$w" "$f" || { echo "kiln: $w is not available from the configured sources" >&2; exit 100; }; done < wants',
].join("\n");

/** After everything is installed: copies out the debs apt used, dpkg's status and the archives' Release files. */
export const COLLECT_HOOK = [
  "set -eu",
  ': "${KILN_OUT:?}"',
  'mkdir -p "$KILN_OUT/debs" "$KILN_OUT/release"',
  'for f in "$1"/var/cache/apt/archives/*.deb; do [ -e "$f" ] || continue; ln "$f" "$KILN_OUT/debs/" 2>/dev/null || cp "$f" "$KILN_OUT/debs/"; done',
  'cp "$1/var/lib/dpkg/status" "$KILN_OUT/status"',
  'for f in "$1"/var/lib/apt/lists/*Release; do [ -e "$f" ] || continue; cp "$f" "$KILN_OUT/release/"; done',
].join("\n");

/**
 * dpkg fsyncs every file it unpacks; for a throwaway build that is pure cost (a crash means a new bake
 * or fetch), and it halves the time of installing the essential set. The bake removes the setting again
 * in its customize hook, before the image is finished.
 */
export const UNSAFE_IO_ON_HOOK = 'mkdir -p "$1/etc/dpkg/dpkg.cfg.d" && echo force-unsafe-io > "$1/etc/dpkg/dpkg.cfg.d/zz-kiln-unsafe-io"';
export const UNSAFE_IO_OFF_HOOK = 'rm -f "$1/etc/dpkg/dpkg.cfg.d/zz-kiln-unsafe-io"';
