// The commands that hand a stored template on (deploy, also --dry-run; verify) refuse a damaged entry
// before any host or container is touched.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDeploy } from "../../../src/deploy/deploy.js";
import type { Connect } from "../../../src/deploy/hosts.js";
import { verifyImage } from "../../../src/deploy/verify.js";
import { planVm } from "../../../src/vm/plan.js";
import { DamagedEntry, type AddImageResult } from "../../../src/store/index.js";
import { FakeHost, World } from "../deploy/fake-host.js";
import { THREE_NODES } from "../deploy/harness.js";
import { addVariant } from "./helpers.js";

let tmp: string;
let store: string;
let inventory: string;
let img: AddImageResult;
let connects = 0;
const connect: Connect = async () => {
  connects++;
  return { drivers: new Map(), close: async () => undefined };
};

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-handoff-"));
  store = join(tmp, "store");
  inventory = join(tmp, "site.toml");
  await writeFile(inventory, THREE_NODES);
  img = await addVariant(store, "one");
  const other = await addVariant(store, "two");
  // Swapped: another image's template under this image's name.
  await writeFile(img.image.template, await readFile(other.image.template));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("handing on a damaged template", () => {
  it("deploy --dry-run refuses before connecting to any host", async () => {
    const e = await runDeploy({ mode: "deploy", inventory, store, ref: img.manifest.image, dryRun: true }, { connect, log: () => undefined }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(DamagedEntry);
    expect((e as DamagedEntry).message).toContain(img.manifest.template.sha256);
    expect(connects).toBe(0);
  });

  it("deploy refuses too", async () => {
    await expect(runDeploy({ mode: "deploy", inventory, store, ref: img.manifest.image }, { connect, log: () => undefined })).rejects.toBeInstanceOf(
      DamagedEntry,
    );
    expect(connects).toBe(0);
  });

  it("verify refuses before making a container", async () => {
    const h = new FakeHost("verify", new World());
    const bridge = { create: async () => "kvtest", remove: async () => undefined };
    await expect(verifyImage({ store, ref: img.manifest.image }, { driver: () => h, bridge, pollMs: 0 })).rejects.toBeInstanceOf(DamagedEntry);
    expect(h.calls).toEqual([]);
  });

  it("vm refuses while planning, before it writes anything", async () => {
    const out = join(tmp, "vm-out");
    await expect(planVm({ store, ref: img.manifest.image, out })).rejects.toBeInstanceOf(DamagedEntry);
    await expect(readFile(out)).rejects.toMatchObject({ code: "ENOENT" });
  });
});
