// The pinned requirements kiln reads: pip-compile output, every line an exact pin.

/** One exact pin (`name[extras]==version ; marker --hash=sha256:…`) from a requirements file. */
export interface Pin {
  /** PEP 503-normalised name. */
  readonly name: string;
  /**
   * Normalised PEP 440 version (for a direct reference: the version in the wheel's file name); for an
   * arbitrary-equality pin (`===`), the text as written.
   */
  readonly version: string;
  /** A `===` pin: its version is matched as text, case-insensitively (pip-compile writes these for non-PEP 440 versions). */
  readonly arbitrary?: true;
  /** Requested extras, PEP 685-normalised, sorted. */
  readonly extras: readonly string[];
  /** Environment marker text as written after ";". */
  readonly marker?: string;
  /**
   * Whether the marker holds for the target environment (true without a marker). Pins that do not
   * apply are kept so that tools can show them, but fetch/bake/closure skip them, as pip does.
   */
  readonly applies: boolean;
  /** sha256 digests, lowercase hex only (the `sha256:` prefix removed). */
  readonly hashes: readonly string[];
  /** Direct reference (`name @ URL`), accepted only with a hash and only for a wheel. */
  readonly url?: string;
  /** File and 1-based line of the pin (the first physical line of a continued line). */
  readonly file: string;
  readonly line: number;
}

/** A parsed requirements file with its includes resolved. */
export interface Requirements {
  /** The top file, as given. */
  readonly file: string;
  /** Pins in file order (includes in place); a package pinned twice at one version appears once. */
  readonly pins: readonly Pin[];
  /** Option lines kept as `--option=value` or `--flag` (index URLs, --pre, ...), in file order. */
  readonly options: readonly string[];
  /** sha256 (hex) of the top file's bytes, for the lock. */
  readonly sha256: string;
}
