import { describe, expect, it } from "vitest";
import { ALIGN_SECTORS, ESP_TYPE, GPT_BACKUP_SECTORS, layoutDisk, MiB, partitionBytes, ROOT_X86_64_TYPE, sfdiskScript } from "../../../src/vm/geometry.js";
import { diskIds } from "../../../src/vm/ids.js";

describe("layoutDisk", () => {
  it("puts the ESP at 1 MiB and the root right after it, both 1 MiB-aligned, clear of the backup GPT", () => {
    const l = layoutDisk({ diskBytes: 1280 * MiB, espBytes: 128 * MiB });
    expect(l).toBeDefined();
    if (!l) return;
    expect(l.totalSectors).toBe(1280 * 2048);
    expect(l.esp).toEqual({ start: 2048, sectors: 128 * 2048 });
    expect(l.root.start).toBe(l.esp.start + l.esp.sectors);
    expect(l.root.start % ALIGN_SECTORS).toBe(0);
    expect(l.root.sectors % ALIGN_SECTORS).toBe(0);
    // The last usable LBA is total - 34; the root must end at or before it.
    expect(l.root.start + l.root.sectors - 1).toBeLessThanOrEqual(l.totalSectors - GPT_BACKUP_SECTORS - 1);
    // ... and a whole MiB more would not fit.
    expect(l.root.start + l.root.sectors + ALIGN_SECTORS - 1).toBeGreaterThan(l.totalSectors - GPT_BACKUP_SECTORS - 1);
    expect(partitionBytes(l.root)).toEqual({ offset: l.root.start * 512, bytes: l.root.sectors * 512 });
  });

  it("rounds sizes up to whole MiB", () => {
    const l = layoutDisk({ diskBytes: 1000 * MiB + 1, espBytes: 100 * MiB + 1 });
    expect(l?.totalSectors).toBe(1001 * 2048);
    expect(l?.esp.sectors).toBe(101 * 2048);
  });

  it("refuses a disk with no room for a root partition", () => {
    expect(layoutDisk({ diskBytes: 130 * MiB, espBytes: 128 * MiB })).toBeUndefined();
    // 1 MiB gap + 128 MiB ESP + 1 MiB root leaves the 131st MiB for the backup GPT (33 sectors).
    expect(layoutDisk({ diskBytes: 131 * MiB, espBytes: 128 * MiB })?.root.sectors).toBe(ALIGN_SECTORS);
    expect(layoutDisk({ diskBytes: 132 * MiB, espBytes: 128 * MiB })?.root.sectors).toBe(2 * ALIGN_SECTORS);
  });
});

describe("sfdiskScript", () => {
  it("writes a GPT with the derived GUIDs and the ESP and x86-64 root types", () => {
    const ids = diskIds(`sha256:${"c".repeat(64)}`);
    const l = layoutDisk({ diskBytes: 1024 * MiB, espBytes: 128 * MiB });
    if (!l) throw new Error("no layout");
    const s = sfdiskScript(l, ids);
    expect(s).toContain("label: gpt\n");
    expect(s).toContain(`label-id: ${ids.diskGuid}\n`);
    expect(s).toContain(`start=2048, size=${128 * 2048}, type=${ESP_TYPE}, uuid=${ids.espPartUuid}, name="ESP"`);
    expect(s).toContain(`start=${l.root.start}, size=${l.root.sectors}, type=${ROOT_X86_64_TYPE}, uuid=${ids.rootPartUuid}, name="root"`);
  });
});
