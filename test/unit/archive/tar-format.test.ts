import { describe, expect, it } from "vitest";
import { BLOCK, encodeHeader, padding, writeSimpleHeader, type TarHeader } from "../../../src/archive/tar-format.js";
import { decodeHeader, parsePax } from "../../../src/archive/tar-decode.js";
import { UserError } from "../../../src/errors.js";

const base: TarHeader = { name: "./etc/hosts", type: "file", mode: 0o644, uid: 0, gid: 0, size: 12, mtime: 1_700_000_000 };

/** Splits an encoded header into its pax records (if any) and the main ustar header. */
function split(buf: Buffer): { pax?: Map<string, Buffer>; main: ReturnType<typeof decodeHeader> } {
  const first = decodeHeader(buf.subarray(0, BLOCK), "t");
  if (first.typeflag !== 0x78) return { main: first };
  const at = BLOCK + first.size + padding(first.size);
  return { pax: parsePax(buf.subarray(BLOCK, BLOCK + first.size), "t"), main: decodeHeader(buf.subarray(at, at + BLOCK), "t") };
}

describe("tar-format", () => {
  it("encodes a plain ustar header that decodes to the same fields, with empty owner names", () => {
    const buf = encodeHeader({ ...base, mode: 0o4755, uid: 1234, gid: 5678 });
    expect(buf.length).toBe(BLOCK);
    const h = decodeHeader(buf, "t");
    expect(h).toMatchObject({ name: "./etc/hosts", typeflag: 0x30, mode: 0o4755, uid: 1234, gid: 5678, size: 12, mtime: 1_700_000_000, uname: "", gname: "" });
    expect(buf.toString("latin1", 257, 265)).toBe("ustar\u000000");
  });

  it("writes the same bytes through the in-place fast path as through encodeHeader", () => {
    const target = Buffer.alloc(2 * BLOCK, 0xee);
    expect(writeSimpleHeader(target, BLOCK, base)).toBe(true);
    expect(target.subarray(BLOCK)).toEqual(encodeHeader(base));
    expect(writeSimpleHeader(target, 0, { ...base, xattrs: { "user.a": Buffer.from("1") } })).toBe(false);
  });

  it("keeps a mode of 0 as 0 (tar-stream would turn it into 0644)", () => {
    expect(decodeHeader(encodeHeader({ ...base, mode: 0 }), "t").mode).toBe(0);
  });

  it("uses a pax path record only for names longer than 100 bytes", () => {
    const name100 = `./${"a".repeat(98)}`;
    expect(encodeHeader({ ...base, name: name100 }).length).toBe(BLOCK);
    const long = `./${"d".repeat(120)}/${"f".repeat(150)}`;
    const { pax, main } = split(encodeHeader({ ...base, name: long }));
    expect(pax?.get("path")?.toString()).toBe(long);
    expect(main.name).toBe(long.slice(0, 100));
  });

  it("counts UTF-8 bytes, not characters, and never splits a character", () => {
    const name = `./${"é".repeat(60)}`; // 62 characters, 122 bytes
    const { pax, main } = split(encodeHeader({ ...base, name }));
    expect(pax?.get("path")?.toString("utf8")).toBe(name);
    expect(Buffer.byteLength(main.name)).toBeLessThanOrEqual(100);
    expect(name.startsWith(main.name)).toBe(true);
  });

  it("puts long symlink targets in a linkpath record", () => {
    const target = `/${"t".repeat(200)}`;
    const { pax, main } = split(encodeHeader({ ...base, type: "symlink", size: 0, linkname: target }));
    expect(pax?.get("linkpath")?.toString()).toBe(target);
    expect(main.typeflag).toBe(0x32);
  });

  it("stores binary xattr values byte for byte as SCHILY.xattr records, sorted by name", () => {
    const cap = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x80, 0xff, 0x00, 0x0a, 0x3d]);
    const buf = encodeHeader({ ...base, xattrs: { "user.z": Buffer.from("last"), "security.capability": cap } });
    const { pax } = split(buf);
    expect([...(pax?.keys() ?? [])]).toEqual(["SCHILY.xattr.security.capability", "SCHILY.xattr.user.z"]);
    expect(pax?.get("SCHILY.xattr.security.capability")).toEqual(cap);
  });

  it("gets pax record lengths right across a digit boundary", () => {
    for (let n = 80; n < 110; n++) {
      const v = Buffer.alloc(n, 0x41);
      const { pax } = split(encodeHeader({ ...base, xattrs: { "user.x": v } }));
      expect(pax?.get("SCHILY.xattr.user.x")).toEqual(v);
    }
  });

  it("writes huge sizes and uids as pax records plus base-256 fields", () => {
    const size = 10 * 1024 ** 3;
    const { pax, main } = split(encodeHeader({ ...base, size, uid: 3_000_000, gid: 4_000_000 }));
    expect(pax?.get("size")?.toString()).toBe(String(size));
    expect(pax?.get("uid")?.toString()).toBe("3000000");
    expect(pax?.get("gid")?.toString()).toBe("4000000");
    expect(main.size).toBe(size);
    expect(main.uid).toBe(3_000_000);
  });

  it("records device numbers", () => {
    const h = decodeHeader(encodeHeader({ ...base, type: "char", size: 0, devMajor: 1, devMinor: 3 }), "t");
    expect(h).toMatchObject({ typeflag: 0x33, devMajor: 1, devMinor: 3 });
  });

  it("refuses a corrupted header with a message naming the file", () => {
    const buf = encodeHeader(base);
    buf[0] = 0x5a;
    expect(() => decodeHeader(buf, "x.tar")).toThrow(UserError);
    expect(() => decodeHeader(buf, "x.tar")).toThrow(/x\.tar: not a valid tar header \(checksum mismatch\)/);
  });

  it("reads the name prefix only from POSIX ustar headers (old GNU keeps atime/ctime there)", () => {
    const posix = encodeHeader({ ...base, name: "hosts" });
    posix.write("etc", 345, "latin1");
    const gnu = Buffer.from(posix);
    gnu.write("ustar  \0", 257, "latin1");
    for (const b of [posix, gnu]) {
      b.fill(0x20, 148, 156);
      b.write(
        `${b
          .reduce((a, x) => a + x, 0)
          .toString(8)
          .padStart(6, "0")}\0 `,
        148,
        "latin1",
      );
    }
    expect(decodeHeader(posix, "t").name).toBe("etc/hosts");
    expect(decodeHeader(gnu, "t").name).toBe("hosts");
  });

  it("refuses negative base-256 and non-octal numbers, naming the member", () => {
    const neg = encodeHeader(base);
    neg.fill(0xff, 124, 136);
    neg.fill(0x20, 148, 156);
    neg.write(
      `${neg
        .reduce((a, x) => a + x, 0)
        .toString(8)
        .padStart(6, "0")}\0 `,
      148,
      "latin1",
    );
    expect(() => decodeHeader(neg, { file: "x.tar", member: 4, offset: 2048 })).toThrow(
      /x\.tar: member 4 \(header at byte 2048\): size field is a negative base-256 number/,
    );
    expect(() => parsePax(Buffer.from("11 size=-1\n"), "x.tar")).not.toThrow(); // values are checked where they are used
    expect(() => parsePax(Buffer.from("0x10 path=x\n"), "x.tar")).toThrow(/malformed pax/);
  });

  it("refuses malformed pax records", () => {
    expect(() => parsePax(Buffer.from("99 path=x\n"), "x.tar")).toThrow(/malformed pax/);
  });
});
