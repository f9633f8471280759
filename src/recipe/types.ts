// The Recipe: what a TOML recipe means once loaded, validated and merged with what it `extends`.
// The schema (src/recipe/schema.ts) describes every field once; this is the typed value it produces.

/** Debian bootstrap variants mmdebstrap understands that make sense for a template. */
export type Variant = "minbase" | "apt" | "required" | "important" | "standard";

export interface ImageSection {
  /** Template name, e.g. "cam-node" (lowercase, digits, '-'). */
  readonly name: string;
  /** Semver version of this release candidate, e.g. "1.4.0". */
  readonly version: string;
  /** Debian architecture, e.g. "amd64". */
  readonly arch: string;
  /** Proxmox ostype used in the template name, e.g. "debian". */
  readonly ostype: string;
}

export interface BaseSection {
  /** Debian suite, e.g. "bookworm". */
  readonly suite: string;
  readonly variant: Variant;
  /** "host" (the build host's own apt sources) or a mirror URL. */
  readonly mirror: string;
  /** Archive components, e.g. ["main"]. */
  readonly components: readonly string[];
  /** Extra packages installed by the bootstrap itself. */
  readonly include: readonly string[];
}

/** An apt package request: `name` or `name=version`. */
export interface AptPackage {
  readonly name: string;
  readonly version?: string;
}

export interface PythonSection {
  /** Absolute path of the venv inside the image, e.g. "/opt/kat/venv". */
  readonly venv: string;
  /** Pinned requirements file, relative to the recipe file (overridable by --requirements). */
  readonly requirements?: string;
  /** The venv is meant to have no pinned packages (absent when not written, so digests stay as they were). */
  readonly empty?: boolean;
}

export interface Checkout {
  /** Unique name within the recipe. */
  readonly name: string;
  readonly kind: "git" | "svn";
  readonly url: string;
  /** Branch, tag, commit, "HEAD" (git) or revision number / "HEAD" (svn), resolved by fetch. */
  readonly rev: string;
  /** Absolute destination inside the image. */
  readonly dest: string;
  /** "pip": build and install into the venv; "none": just place the tree. */
  readonly install: "pip" | "none";
}

export interface FileEntry {
  /** Source path relative to the recipe file. */
  readonly src: string;
  /** Absolute destination inside the image. */
  readonly dest: string;
  /** Octal mode as a number, e.g. 0o644. */
  readonly mode: number;
  /** "uid:gid" numeric owner, e.g. "0:0". */
  readonly owner: string;
}

export interface ServicesSection {
  readonly enable: readonly string[];
  readonly disable: readonly string[];
}

export interface RunStep {
  /** Argv run inside the image root (chroot), never through a shell unless argv says so. */
  readonly argv: readonly string[];
}

export interface VerifySection {
  /** Systemd units that may be failed/degraded without failing verification. */
  readonly allowDegraded: readonly string[];
  /** Commands run in a booted container; each must exit 0. */
  readonly commands: readonly (readonly string[])[];
  /** Seconds to wait for systemd to settle. */
  readonly timeout: number;
}

export interface Recipe {
  /** Absolute path of the recipe file. */
  readonly path: string;
  /** Absolute paths of the recipes it extends, outermost last (for digesting and messages). */
  readonly extends: readonly string[];
  readonly image: ImageSection;
  readonly base: BaseSection;
  readonly apt: { readonly packages: readonly AptPackage[] };
  readonly python?: PythonSection;
  readonly checkouts: readonly Checkout[];
  readonly files: readonly FileEntry[];
  readonly services: ServicesSection;
  readonly run: readonly RunStep[];
  readonly verify: VerifySection;
}
