// Package version comparison for the simulated node's feature gates ("pve-container ≥ 5.0.9"): the
// numeric parts of "5.0.8" or "8.2.4-1" compared in order (kiln's own comparison is code under test).

/** True when version `v` is at least `min`, comparing the numbers in order (missing parts count as 0). */
export function versionAtLeast(v: string, min: string): boolean {
  const nums = (s: string) => (s.match(/\d+/g) ?? []).map(Number);
  const a = nums(v);
  const b = nums(min);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}
