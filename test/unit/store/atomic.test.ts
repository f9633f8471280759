// A writer SIGKILLed mid-pack leaves only a temp dir: no reader sees a half image, and gc removes it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipedFailure, spawnPiped } from "../../../src/exec/run.js";
import { findByInputs, gc, listImages } from "../../../src/store/index.js";
import { minimalTree } from "../check/minimal-tree.js";
import { addVariant, tempStore } from "./helpers.js";

let store: string;
beforeAll(async () => {
  store = await tempStore();
});
afterAll(async () => {
  await rm(store, { recursive: true, force: true });
});

/** Resolves when `stream` has printed `word`. */
function waitFor(stream: Readable, word: string): Promise<void> {
  return new Promise((ok, fail) => {
    let seen = "";
    stream.on("data", (b: Buffer) => {
      seen += b.toString();
      if (seen.includes(word)) ok();
    });
    stream.on("end", () => fail(new Error(`child ended without printing '${word}': ${seen}`)));
  });
}

describe("atomic add", () => {
  it("a killed writer leaves nothing a reader sees; gc removes its temp; a new add succeeds", async () => {
    const root = resolve(__dirname, "../../..");
    const child = spawnPiped([process.execPath, join(__dirname, "writer-child.mjs"), root, store], { cwd: root });
    const exited = child.then(
      () => "exited",
      (e: unknown) => pipedFailure(e).signal,
    );
    await waitFor(child.stdout as Readable, "stalled");
    // Mid-pack: the work is in tmp/<child pid>-…, images/ has nothing.
    const temps = await readdir(join(store, "tmp"));
    expect(temps).toHaveLength(1);
    expect(temps[0]).toMatch(new RegExp(`^${child.pid}\\.\\d+-`));
    // The big file's first bytes are out; the compressed template file appears as they reach it.
    const work = join(store, "tmp", temps[0] as string);
    for (let i = 0; i < 100 && (await readdir(work)).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await readdir(work)).toEqual(["template.partial"]);
    expect(await listImages(store)).toEqual([]);

    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(await readdir(join(store, "images"))).toEqual([]);
    expect(await listImages(store)).toEqual([]);
    expect(await findByInputs(store, `sha256:${"9".repeat(64)}`)).toBeUndefined();

    const r = await gc(store, { keep: 5 });
    expect(r.temps).toEqual([join(store, "tmp", temps[0] as string)]);
    expect(await readdir(join(store, "tmp"))).toEqual([]);

    const again = await addVariant(store, "x", { nodes: minimalTree({ add: [{ path: "etc/big", content: "x".repeat(1 << 20) }] }) });
    expect((await listImages(store)).map((i) => i.id)).toEqual([again.manifest.image]);
  });
});
