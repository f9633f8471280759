// What `kiln check` reports, and the facts one pass over a template collects for its rules.

/** One broken rule, named with the path (inside the archive, or the template file) it is about. */
export interface CheckFailure {
  readonly rule: string;
  readonly path: string;
  readonly message: string;
}

export interface CheckReport {
  readonly ok: boolean;
  /** The template file that was checked. */
  readonly template: string;
  /** Architecture read from /bin/sh, when readable. */
  readonly arch: string | null;
  /** ID from /etc/os-release, when present. */
  readonly osId: string | null;
  /** Number of tar members (Proxmox wants at least 10). */
  readonly members: number;
  readonly failures: readonly CheckFailure[];
}

/** "device" is a char or block node; "other" a fifo. */
export type FactType = "file" | "dir" | "symlink" | "hardlink" | "device" | "other";

/** One tar member as the rules see it. */
export interface FactEntry {
  /** The name exactly as stored in the tar header. */
  readonly name: string;
  /** Normalised: no leading "./", no trailing "/" ("" for the root). */
  readonly path: string;
  readonly type: FactType;
  /** Symlink target, or a hard link's target name. */
  readonly linkTarget?: string;
  readonly size: number;
}

/** Everything the rules need, gathered in one streamed read of the archive. */
export interface ArchiveFacts {
  readonly file: string;
  /** Every member in archive order. */
  readonly members: readonly FactEntry[];
  /** Members by normalised path (the last one wins, as on extraction). */
  readonly byPath: ReadonlyMap<string, FactEntry>;
  /** The first HEAD_BYTES bytes of every regular file, by normalised path. */
  readonly heads: ReadonlyMap<string, Buffer>;
  /** Whole contents of the few small files some rule reads (os-release, dpkg status, machine-id). */
  readonly contents: ReadonlyMap<string, Buffer>;
}

/** A rule: a pure function over the collected facts. */
export type Rule = (facts: ArchiveFacts) => readonly CheckFailure[];
