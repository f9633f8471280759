// Wall-time recording for integration tests whose timings go into reports.

/** A named set of timings; `timed` records how long each awaited step took, in milliseconds. */
export function timings(): { readonly ms: Record<string, number>; timed<T>(name: string, fn: () => Promise<T>): Promise<T> } {
  const ms: Record<string, number> = {};
  return {
    ms,
    async timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const t0 = performance.now();
      try {
        return await fn();
      } finally {
        ms[name] = Math.round(performance.now() - t0);
      }
    },
  };
}
