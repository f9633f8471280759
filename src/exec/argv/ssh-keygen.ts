// Argv for ssh-keygen(1): its signature mode (`-Y`), the format git uses for SSH-signed commits, and the
// node host keys the deploy drivers keep on a host. Pure. The signed data always travels on stdin and a
// signature on stdout, so no file name is ever derived from the data's path (ssh-keygen would write
// `<file>.sig` beside it).

/** The signature namespace: a kiln signature cannot be replayed as a git or file signature, nor back. */
export const SIGN_NAMESPACE = "kiln-image";

/** Signs stdin with the private key `key`; the armored signature goes to stdout. */
export function sshSignArgv(key: string): string[] {
  return ["ssh-keygen", "-Y", "sign", "-f", key, "-n", SIGN_NAMESPACE];
}

/** Verifies that `sig` over stdin was made by `principal`'s key as listed in `allowedSigners` (exit 0 = good). */
export function sshVerifyArgv(o: { readonly allowedSigners: string; readonly principal: string; readonly sig: string }): string[] {
  return ["ssh-keygen", "-Y", "verify", "-f", o.allowedSigners, "-I", o.principal, "-n", SIGN_NAMESPACE, "-s", o.sig];
}

/** Prints the principals of `allowedSigners` whose key made `sig` (it matches keys; it does not check the data). */
export function sshFindPrincipalsArgv(o: { readonly allowedSigners: string; readonly sig: string }): string[] {
  return ["ssh-keygen", "-Y", "find-principals", "-f", o.allowedSigners, "-s", o.sig];
}

/** Checks `sig` over stdin cryptographically without any allowed_signers: says which key, not who. */
export function sshCheckNovalidateArgv(sig: string): string[] {
  return ["ssh-keygen", "-Y", "check-novalidate", "-n", SIGN_NAMESPACE, "-s", sig];
}

/** Prints the SHA256 fingerprint of a key file (public or private). */
export function sshFingerprintArgv(key: string): string[] {
  return ["ssh-keygen", "-l", "-E", "sha256", "-f", key];
}

// Makes each missing key pair under a temp name and renames it in, public key first (so a private key
// present means both are whole). Constant text: $1 the directory, $2 the key comment, then key types.
const HOST_KEYS_SCRIPT = [
  "set -eu",
  "dir=$1; comment=$2; shift 2",
  'mkdir -p -m 0700 -- "$dir"',
  'for type in "$@"; do',
  '  key="$dir/ssh_host_${type}_key"',
  '  if [ -f "$key" ] && [ -f "$key.pub" ]; then continue; fi',
  '  tmp="$dir/.new-$type-$$"',
  '  rm -f -- "$tmp" "$tmp.pub"',
  '  ssh-keygen -q -t "$type" -N "" -C "$comment" -f "$tmp"',
  '  mv -f -- "$tmp.pub" "$key.pub"',
  '  mv -f -- "$tmp" "$key"',
  "done",
].join("\n");

/** Makes the missing SSH host key pairs `ssh_host_<type>_key[.pub]` in `dir` (run through sh on the host). */
export function sshHostKeysArgv(o: { readonly dir: string; readonly comment: string; readonly types: readonly string[] }): string[] {
  return ["sh", "-c", HOST_KEYS_SCRIPT, "sh", o.dir, o.comment, ...o.types];
}
