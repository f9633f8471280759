// Options shared by every command, kept apart from the entry point so commands need not import main.ts.

/** Options every command understands (declared on the program, merged into each command's options). */
export interface GlobalOptions {
  readonly store?: string;
  readonly cache?: string;
  readonly verbose?: boolean;
}
