// Argv for mmdebstrap(1). Pure: callers decide the mirrors, hooks and environment; nothing is run here.

/** Hook stages mmdebstrap offers (see "HOOKS" in mmdebstrap(1)), in the order they run. */
export type HookStage = "setup" | "extract" | "essential" | "customize";

export interface MmdebstrapOptions {
  /** Suite or codename; also selects which archive the Essential:yes set comes from. */
  readonly suite: string;
  /** Output: a directory for `format: "directory"`, ignored (/dev/null) for `format: "null"`. */
  readonly target: string;
  /** Mirror arguments as mmdebstrap reads them: a URL, a one-line `deb …` entry, or a sources file path. */
  readonly mirrors: readonly string[];
  readonly variant: string;
  /** Debian architecture of the chroot. */
  readonly arch: string;
  /** Packages to install besides the variant's set, `name` or `name=version`. */
  readonly include: readonly string[];
  /** Components used for URL-only mirrors. */
  readonly components?: readonly string[];
  /** "null": build in a throwaway directory and keep nothing (the hooks copy out what we need). */
  readonly format: "directory" | "null";
  /** Safety checks or steps to skip (`--skip`). */
  readonly skip?: readonly string[];
  /** Shell hooks per stage, run with the chroot directory as $1. */
  readonly hooks?: Partial<Readonly<Record<HookStage, readonly string[]>>>;
  /** Print apt and dpkg output (kiln --verbose). */
  readonly verbose?: boolean;
}

/** Builds the mmdebstrap command line. */
export function mmdebstrapArgv(o: MmdebstrapOptions): string[] {
  if (o.mirrors.length === 0) throw new TypeError("mmdebstrapArgv: no mirror (without one mmdebstrap silently uses Debian's public default mirror)");
  const hooks = (["setup", "extract", "essential", "customize"] as const).flatMap((stage) => (o.hooks?.[stage] ?? []).map((h) => `--${stage}-hook=${h}`));
  return [
    "mmdebstrap",
    // unshare mode as root: no user namespace (ownership is right), but its own mount and PID
    // namespaces, so mounts of /proc, /sys and /dev inside the chroot cannot outlive it.
    "--mode=unshare",
    `--variant=${o.variant}`,
    `--architectures=${o.arch}`,
    `--format=${o.format}`,
    ...(o.components?.length ? [`--components=${o.components.join(",")}`] : []),
    ...(o.include.length ? [`--include=${o.include.join(",")}`] : []),
    ...(o.skip?.length ? [`--skip=${o.skip.join(",")}`] : []),
    ...hooks,
    ...(o.verbose ? ["--verbose"] : []),
    // Positional arguments after "--", so a suite or mirror can never be read as an option.
    "--",
    o.suite,
    o.format === "null" ? "/dev/null" : o.target,
    ...o.mirrors,
  ];
}

/**
 * What mmdebstrap, apt, dpkg and perl read from the host when they run in the bootstrap's mini-root,
 * bound read-only: /usr (with the merged-/usr links), users and groups for names, the loader cache, the
 * alternatives links some host tools are, the apt configuration and public keys mmdebstrap reads with
 * apt-config before it points apt at the target, and the two files it copies into every chroot
 * (resolv.conf, hostname; normalize replaces both). Never /etc/shadow, apt's auth.conf.d, /root, /home,
 * /run or /var.
 */
export const MMDEBSTRAP_HOST_PATHS: readonly string[] = [
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/etc/passwd",
  "/etc/group",
  "/etc/nsswitch.conf",
  "/etc/ld.so.cache",
  "/etc/alternatives",
  "/etc/apt/apt.conf.d",
  "/etc/apt/trusted.gpg.d",
  "/etc/resolv.conf",
  "/etc/hostname",
];
