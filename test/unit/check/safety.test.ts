// Tar safety on hand-made archives (kiln's own packer refuses to write such names, so tar-stream makes them).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tar from "tar-stream";
import { checkTemplate } from "../../../src/check/index.js";
import { minimalTree } from "./minimal-tree.js";

interface RawEntry {
  readonly name: string;
  readonly type?: "file" | "directory" | "symlink" | "link";
  readonly linkname?: string;
  readonly content?: string | Buffer;
}

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-safety-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The passing minimal tree as raw tar entries ("./"-prefixed like kiln writes), plus `extra`. */
function rawTree(extra: readonly RawEntry[]): RawEntry[] {
  const base: RawEntry[] = minimalTree().flatMap((m) => {
    if (m.path === "") return [{ name: "./", type: "directory" as const }];
    if (m.type === "dir") return [{ name: `./${m.path}/`, type: "directory" as const }];
    if (m.type === "symlink") return [{ name: `./${m.path}`, type: "symlink" as const, linkname: m.linkTarget }];
    return [{ name: `./${m.path}`, content: Buffer.from(m.content ?? "") }];
  });
  return [...base, ...extra];
}

/** Writes entries to a plain .tar with tar-stream and checks it. */
async function check(entries: readonly RawEntry[]) {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => pack.on("end", resolve));
  for (const e of entries) {
    const body = e.content === undefined ? undefined : Buffer.from(e.content);
    pack.entry({ name: e.name, type: e.type ?? "file", linkname: e.linkname, size: body?.length ?? 0, mode: e.type === "directory" ? 0o755 : 0o644 }, body);
  }
  pack.finalize();
  await done;
  const file = join(dir, `debian-raw_1_amd64-${n++}.tar`);
  await writeFile(file, Buffer.concat(chunks));
  return checkTemplate(file);
}

const failed = (r: Awaited<ReturnType<typeof check>>) => r.failures.map((f) => `${f.rule} ${f.path}`);

describe("tar safety", () => {
  it("the raw minimal tree passes (the harness itself is sound)", async () => {
    const r = await check(rawTree([]));
    expect(r.failures).toEqual([]);
  });

  it("refuses '..' components and absolute names", async () => {
    const r = await check(
      rawTree([
        { name: "./etc/../../evil", content: "x" },
        { name: "/etc/cron.d/evil", content: "x" },
      ]),
    );
    expect(failed(r)).toEqual(["tar-safety ./etc/../../evil", "tar-safety /etc/cron.d/evil"]);
  });

  it("refuses hard links that point outside the archive or at nothing", async () => {
    const r = await check(
      rawTree([
        { name: "./etc/shadow-link", type: "link", linkname: "../../etc/shadow" },
        { name: "./etc/abs-link", type: "link", linkname: "/etc/shadow" },
        { name: "./etc/lost-link", type: "link", linkname: "./etc/nowhere" },
        { name: "./etc/good-link", type: "link", linkname: "./usr/bin/dash" },
      ]),
    );
    expect(failed(r)).toEqual(["tar-safety /etc/shadow-link", "tar-safety /etc/abs-link", "tar-safety /etc/lost-link"]);
  });

  it("refuses members below a path that is a symlink in the archive, whichever comes first", async () => {
    const r = await check(
      rawTree([
        { name: "./escape", type: "symlink", linkname: "/root" },
        { name: "./escape/.ssh/authorized_keys", content: "ssh-ed25519 AAAA\n" },
        { name: "./later/x", content: "x" },
        { name: "./later", type: "symlink", linkname: "../../tmp" },
      ]),
    );
    expect(failed(r)).toEqual(["tar-safety /escape/.ssh/authorized_keys", "tar-safety /later/x"]);
  });

  it("a hard-linked /bin/sh still yields the architecture", async () => {
    const r = await check(
      rawTree([]).map((e) => (e.name === "./usr/bin/sh" ? { name: "./usr/bin/sh", type: "link" as const, linkname: "./usr/bin/dash" } : e)),
    );
    expect(r.arch).toBe("amd64");
    expect(r.ok).toBe(true);
  });
});
