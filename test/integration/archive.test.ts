// The archive writer against the real tools: a small tree with every awkward case (setuid, file
// capabilities, xattrs, hard links, dangling and absolute symlinks, >255-byte paths, fifos, devices,
// odd owners) is packed, then extracted with GNU tar and with bsdtar and compared with the source;
// both tools' listings must agree. Then a real mmdebstrap minbase rootfs is packed twice (same id)
// and GNU tar's extraction of it must reproduce the tree. Needs root (mknod, chown, setcap).
import { lstat, mkdir, mkdtemp, readdir, readlink, rm, symlink, link, utimes, writeFile, chown, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diskSource, listTemplate, packTree, templateImageId, type PackResult } from "../../src/archive/index.js";
import { parseGetfattr } from "../../src/archive/xattrs.js";
import { memorySource } from "../../src/archive/memory.js";
import { UserError } from "../../src/errors.js";
import { GOLDEN_EPOCH, goldenNodes } from "../unit/archive/golden-tree.js";
import { run, runBinary } from "../../src/exec/run.js";
import { sha256File } from "../../src/util/hash.js";

const EPOCH = 1_700_000_000;
const OLD = 1_000_000_000; // an mtime below the epoch, kept as is
const LONG_DIR = `deep/${"d".repeat(120)}`;
const LONG_FILE = `${LONG_DIR}/${"f".repeat(140)}`; // > 255 bytes of path
const LONG_TARGET = `../${"t".repeat(150)}`;
const isRoot = process.getuid?.() === 0;

let tmp = "";
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kiln-archive-it-"));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Builds the awkward tree under `root`. */
async function makeTree(root: string): Promise<void> {
  const dirs = ["etc", "usr/bin", "usr/sbin", "srv", "dev", "dev/pts", "home/u", LONG_DIR];
  for (const d of dirs) await mkdir(join(root, d), { recursive: true });
  const file = async (p: string, content: string, mode = 0o644) => {
    await writeFile(join(root, p), content);
    await chmod(join(root, p), mode);
  };
  await file("etc/hosts", "127.0.0.1 localhost\n");
  await file("etc/shadow", "root:*:1::::::\n", 0o640);
  await file("usr/bin/su", "\x7fELF su\n", 0o4755);
  await file("usr/bin/wall", "\x7fELF wall\n", 0o2755);
  await file("usr/bin/ping", "\x7fELF ping\n", 0o755);
  await file("usr/bin/python3.11", "x".repeat(100_000), 0o755);
  await file("home/u/owned", "mine\n", 0o600);
  await file("home/u/ünïcödé.txt", "utf-8 name\n");
  await file(LONG_FILE, "deep\n");
  await file("srv/odd\nname\\with=chars", "odd\n");
  await mkdir(join(root, "tmp"), { mode: 0o1777 });
  await chmod(join(root, "tmp"), 0o1777);
  await link(join(root, "usr/bin/python3.11"), join(root, "usr/bin/python3"));
  await link(join(root, "usr/bin/python3.11"), join(root, "usr/sbin/py-hardlink"));
  await symlink("ping", join(root, "usr/bin/ping6"));
  await symlink("/usr/bin/ping", join(root, "usr/sbin/ping-abs"));
  await symlink("/nonexistent/target", join(root, "usr/bin/dangling"));
  await symlink(LONG_TARGET, join(root, "usr/bin/long-link"));
  await run(["mkfifo", "-m", "0600", join(root, "srv/fifo")]);
  await run(["mknod", "-m", "0666", join(root, "dev/null"), "c", "1", "3"]);
  await run(["mknod", "-m", "0660", join(root, "srv/loop0"), "b", "7", "0"]);
  await run(["mknod", "-m", "0644", join(root, "srv/zero"), "c", "1", "5"]);
  await run(["setcap", "cap_net_raw+ep", join(root, "usr/bin/ping")]);
  await run(["setfattr", "-n", "user.origin", "-v", "kiln-test", join(root, "etc/hosts")]);
  await run(["setfattr", "-n", "user.binary", "-v", "0x00ff80fe0a", join(root, "srv/odd\nname\\with=chars")]);
  await run(["setfattr", "-n", "user.on-root", "-v", "yes", root]);
  await chown(join(root, "home/u"), 1234, 5678);
  await chown(join(root, "home/u/owned"), 1234, 5678);
  await chown(join(root, "srv/fifo"), 0, 5678);
  // Old mtimes on some entries; the rest carry "now", which is above EPOCH and gets clamped.
  await utimes(join(root, "etc/hosts"), OLD, OLD);
  await utimes(join(root, "usr/bin/su"), OLD + 1, OLD + 1);
  await utimes(join(root, "home/u"), OLD + 2, OLD + 2);
}

/** What a tree holds, per path, as lstat and getfattr see it (independent of kiln's walker). */
interface Node {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  link?: string;
  rdev?: number;
  sha256?: string;
  xattrs?: Record<string, string>;
}

/** Snapshot of a tree: every path below root ("." for root), with hard links grouped by inode. */
async function snapshot(root: string): Promise<{ nodes: Map<string, Node>; links: string[][] }> {
  const nodes = new Map<string, Node>();
  const inodes = new Map<string, string[]>();
  const visit = async (rel: string): Promise<void> => {
    const abs = rel === "." ? root : join(root, rel);
    const st = await lstat(abs);
    const type = st.isFile()
      ? "file"
      : st.isDirectory()
        ? "dir"
        : st.isSymbolicLink()
          ? "symlink"
          : st.isFIFO()
            ? "fifo"
            : st.isCharacterDevice()
              ? "char"
              : st.isBlockDevice()
                ? "block"
                : "other";
    const node: Node = { type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: type === "file" ? st.size : 0, mtime: Math.floor(st.mtimeMs / 1000) };
    if (type === "symlink") node.link = await readlink(abs);
    if (type === "char" || type === "block") node.rdev = st.rdev;
    if (type === "file") node.sha256 = await sha256File(abs);
    nodes.set(rel, node);
    if (type !== "dir" && st.nlink > 1) inodes.set(String(st.ino), [...(inodes.get(String(st.ino)) ?? []), rel]);
    if (type === "dir") for (const name of (await readdir(abs)).sort()) await visit(rel === "." ? name : `${rel}/${name}`);
  };
  await visit(".");
  const x = parseGetfattr(await runBinary(["getfattr", "--absolute-names", "-R", "-P", "-h", "-d", "-m", "-", "-e", "hex", root]), root);
  for (const [p, attrs] of x) {
    const n = nodes.get(p === "" ? "." : p);
    if (n) n.xattrs = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, v.toString("hex")]));
  }
  return { nodes, links: [...inodes.values()].map((g) => g.sort()).sort() };
}

/** The snapshot an extraction should reproduce: dev/ device nodes gone, mtimes clamped. */
function expected(src: { nodes: Map<string, Node>; links: string[][] }, skipped: readonly string[]): { nodes: Map<string, Node>; links: string[][] } {
  const nodes = new Map<string, Node>();
  for (const [p, n] of src.nodes) if (!skipped.includes(p)) nodes.set(p, { ...n, mtime: Math.min(n.mtime, EPOCH) });
  return { nodes, links: src.links };
}

/** One `tar -tv` / `bsdtar -tv` line reduced to what both print: perms, owner, group, name, link. */
function listingLine(line: string, tool: "gnu" | "bsd"): string {
  const parts = line.trim().split(/\s+/);
  const [perms] = parts;
  let uid: string | undefined;
  let gid: string | undefined;
  let rest: string[];
  if (tool === "gnu") {
    [uid, gid] = (parts[1] ?? "").split("/");
    rest = parts.slice(5); // perms owner/group size date time
  } else {
    uid = parts[2];
    gid = parts[3];
    rest = parts.slice(8); // perms nlink uid gid size-or-"maj,min" mon day time
  }
  return [perms, uid, gid, rest.join(" ")].join(" ");
}

describe.skipIf(!isRoot)("a tree with every awkward case", () => {
  let src = "";
  let template = "";
  let packed: PackResult;
  let source: { nodes: Map<string, Node>; links: string[][] };

  beforeAll(async () => {
    src = join(tmp, "src");
    await mkdir(src);
    await makeTree(src);
    source = await snapshot(src);
    template = join(tmp, "small.tar.zst");
    packed = await packTree(diskSource(src), { epoch: EPOCH, compression: { kind: "zstd" }, out: template });
  });

  it("records what it left out and why", () => {
    expect(packed.skipped.map((s) => s.path)).toEqual(["dev/null"]);
    expect(packed.skipped[0]?.reason).toMatch(/Proxmox excludes \.\/dev\/\*/);
  });

  it("agrees with itself when read back (id and per-file digests)", async () => {
    expect(await templateImageId(template)).toBe(packed.id);
    const l = await listTemplate(template, { digests: true });
    const digests = new Map(l.entries.filter((e) => e.type === "file").map((e) => [e.path, e.digest]));
    for (const [p, n] of source.nodes) if (n.type === "file" && digests.has(p)) expect(digests.get(p)).toBe(n.sha256);
    expect(l.entries.find((e) => e.path === "usr/bin/ping")?.xattrs["security.capability"]?.toString("hex")).toBe(
      source.nodes.get("usr/bin/ping")?.xattrs?.["security.capability"],
    );
  });

  it("is extracted by GNU tar with identical metadata, xattrs, capabilities and hard links", async () => {
    const out = join(tmp, "gnu");
    await mkdir(out);
    await run(["tar", "--zstd", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", template, "-C", out]);
    const got = await snapshot(out);
    expect(got).toEqual(expected(source, ["dev/null"]));
    expect((await run(["getcap", join(out, "usr/bin/ping")])).stdout).toMatch(/cap_net_raw=ep/);
  });

  it("is extracted by bsdtar with identical metadata, xattrs, capabilities and hard links", async () => {
    const out = join(tmp, "bsd");
    await mkdir(out);
    await run(["bsdtar", "--xattrs", "--numeric-owner", "-xpf", template, "-C", out]);
    const got = await snapshot(out);
    const want = expected(source, ["dev/null"]);
    // bsdtar restores the mode and xattrs of "./" but, unlike GNU tar, never its mtime.
    const root = want.nodes.get(".") as Node;
    want.nodes.set(".", { ...root, mtime: (got.nodes.get(".") as Node).mtime });
    expect(got).toEqual(want);
    expect((await run(["getcap", join(out, "usr/bin/ping")])).stdout).toMatch(/cap_net_raw=ep/);
  });

  it("lists the same metadata in GNU tar and bsdtar, in GNU tar's --sort=name order", async () => {
    const gnu = (await run(["tar", "--zstd", "--numeric-owner", "-tvf", template])).stdout.trimEnd().split("\n");
    const bsd = (await run(["bsdtar", "--numeric-owner", "-tvf", template])).stdout.trimEnd().split("\n");
    const skipOdd = (l: string) => !l.includes("odd"); // the tools escape a newline in a name differently
    expect(gnu.filter(skipOdd).map((l) => listingLine(l, "gnu"))).toEqual(bsd.filter(skipOdd).map((l) => listingLine(l, "bsd")));
    expect(gnu.length).toBe(packed.entries);
    const ours = (await run(["tar", "--zstd", "-tf", template])).stdout.trimEnd().split("\n");
    await writeFile(join(tmp, "gnu-sorted.tar"), await runBinary(["tar", "--sort=name", "-C", src, "-cf", "-", "--exclude=./dev/null", "."]));
    expect(ours).toEqual((await run(["tar", "-tf", join(tmp, "gnu-sorted.tar")])).stdout.trimEnd().split("\n"));
  });

  it("packs the same tree to the same id again, whatever the compression", async () => {
    const again = await packTree(diskSource(src), { epoch: EPOCH, compression: { kind: "gzip", level: 9 }, out: join(tmp, "small.tar.gz") });
    expect(again.id).toBe(packed.id);
  });

  it("refuses a tree with a socket, naming it", async () => {
    const dir = join(tmp, "with-socket");
    await mkdir(dir);
    await writeFile(join(dir, "ok"), "");
    await run(["python3", "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", join(dir, "app.sock")]);
    const err = await packTree(diskSource(dir), { epoch: EPOCH, compression: { kind: "none" }, out: join(tmp, "sock.tar") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/app\.sock: is a socket/);
  });

  it("refuses a missing directory with a UserError naming it", async () => {
    await expect(packTree(diskSource(join(tmp, "nope")), { epoch: EPOCH, compression: { kind: "none" }, out: join(tmp, "nope.tar") })).rejects.toThrow(
      /nope: cannot read the tree to pack \(ENOENT\)/,
    );
  });
});

describe.skipIf(!isRoot)("the golden tree (huge uids, devices, pax names) through both tools", () => {
  it("extracts to the same tree with GNU tar and bsdtar, with the metadata the index records", async () => {
    const file = join(tmp, "golden.tar");
    const packed = await packTree(memorySource(goldenNodes), { epoch: GOLDEN_EPOCH, compression: { kind: "none" }, out: file });
    const gnuDir = join(tmp, "golden-gnu");
    const bsdDir = join(tmp, "golden-bsd");
    await mkdir(gnuDir);
    await mkdir(bsdDir);
    await run(["tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", file, "-C", gnuDir]);
    await run(["bsdtar", "--xattrs", "--numeric-owner", "-xpf", file, "-C", bsdDir]);
    const gnu = await snapshot(gnuDir);
    const bsd = await snapshot(bsdDir);
    (bsd.nodes.get(".") as Node).mtime = (gnu.nodes.get(".") as Node).mtime; // bsdtar leaves "./" mtime alone
    expect(bsd).toEqual(gnu);
    for (const i of packed.index) {
      expect(gnu.nodes.get(i.path), i.path).toMatchObject({ mode: i.mode, uid: i.uid, gid: i.gid });
    }
    expect(gnu.nodes.get("srv/big-uid")).toMatchObject({ uid: 3_000_000, gid: 3_000_001 });
    expect((await run(["getcap", join(gnuDir, "usr/bin/ping")])).stdout).toMatch(/cap_net_raw=ep/);
  });
});

describe.skipIf(!isRoot)("a real mmdebstrap minbase rootfs", () => {
  let rootfs = "";
  let first: PackResult;

  beforeAll(async () => {
    rootfs = join(tmp, "minbase");
    // No mirror argument: mmdebstrap uses the host's own apt sources.
    await run(["mmdebstrap", "--quiet", "--variant=minbase", "bookworm", rootfs]);
    first = await packTree(diskSource(rootfs), { epoch: EPOCH, compression: { kind: "zstd" }, out: join(tmp, "minbase-1.tar.zst") });
  });

  it("packs twice to the same id", async () => {
    const second = await packTree(diskSource(rootfs), { epoch: EPOCH, compression: { kind: "zstd", level: 9 }, out: join(tmp, "minbase-2.tar.zst") });
    expect(second.id).toBe(first.id);
    expect(second.index).toEqual(first.index);
    expect(first.entries).toBeGreaterThan(3000);
  });

  it("is reproduced by GNU tar's extraction, file for file", async () => {
    const out = join(tmp, "minbase-x");
    await mkdir(out);
    await run(["tar", "--zstd", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", join(tmp, "minbase-1.tar.zst"), "-C", out]);
    const src = await snapshot(rootfs);
    const got = await snapshot(out);
    const want = expected(
      src,
      first.skipped.map((s) => s.path),
    );
    expect([...got.nodes.keys()]).toEqual([...want.nodes.keys()]);
    expect(got).toEqual(want);
  });

  it("lists the same entries in the same order in bsdtar and GNU tar", async () => {
    const file = join(tmp, "minbase-1.tar.zst");
    const bsd = (await run(["bsdtar", "-tf", file])).stdout.trimEnd().split("\n");
    const gnu = (await run(["tar", "--zstd", "-tf", file])).stdout.trimEnd().split("\n");
    expect(bsd).toEqual(gnu);
    expect(bsd.length).toBe(first.entries);
    expect(bsd[0]).toBe("./");
  });
});
