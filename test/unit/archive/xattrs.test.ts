import { describe, expect, it } from "vitest";
import { getfattrArgv, parseGetfattr, unquote } from "../../../src/archive/xattrs.js";
import { ToolError } from "../../../src/errors.js";

const root = "/tmp/rootfs";

describe("getfattr output", () => {
  it("asks for every namespace, hex values, no symlink following", () => {
    const argv = getfattrArgv(root);
    expect(argv).toContain("--match=-");
    expect(argv).toContain("--encoding=hex");
    expect(argv).toContain("--physical");
    expect(argv).toContain("--no-dereference");
    expect(argv.at(-1)).toBe(root);
  });

  it("parses paths relative to the root, the root itself as '', and binary values", () => {
    const out = Buffer.from(
      [
        "# file: /tmp/rootfs",
        "user.root=0x72",
        "",
        "# file: /tmp/rootfs/usr/bin/ping",
        "security.capability=0x0100000200200000000000000000000000000000",
        "user.note=0x6869",
        "",
        "# file: /tmp/rootfs/empty",
        "user.empty=0x",
        "user.bare",
        "",
      ].join("\n"),
    );
    const x = parseGetfattr(out, root);
    expect([...x.keys()]).toEqual(["", "usr/bin/ping", "empty"]);
    expect(x.get("")?.["user.root"]).toEqual(Buffer.from("r"));
    expect(x.get("usr/bin/ping")?.["security.capability"]).toEqual(Buffer.from("0100000200200000000000000000000000000000", "hex"));
    expect(x.get("usr/bin/ping")?.["user.note"]).toEqual(Buffer.from("hi"));
    expect(x.get("empty")).toEqual({ "user.empty": Buffer.alloc(0), "user.bare": Buffer.alloc(0) });
  });

  it("undoes getfattr's octal escapes in paths and attribute names, and raw UTF-8 passes through", () => {
    const out = Buffer.concat([
      Buffer.from("# file: /tmp/rootfs/nl\\012line\n# file: /tmp/rootfs/back\\134slash\nuser.with\\075eq=0x31\n# file: /tmp/rootfs/"),
      Buffer.from("ümlaut tab\t", "utf8"),
      Buffer.from("\nuser.t=0x01ff\n"),
    ]);
    const x = parseGetfattr(out, root);
    expect([...x.keys()]).toEqual(["nl\nline", "back\\slash", "ümlaut tab\t"]);
    expect(x.get("back\\slash")?.["user.with=eq"]).toEqual(Buffer.from("1"));
    expect(unquote(Buffer.from("a\\\\b"))).toEqual(Buffer.from("a\\b")); // older getfattr doubled the backslash
  });

  it("handles the filesystem root as the tree root", () => {
    expect([...parseGetfattr(Buffer.from("# file: /etc/x\nuser.a=0x61\n"), "/").keys()]).toEqual(["etc/x"]);
  });

  it("fails loudly on output it does not understand", () => {
    expect(() => parseGetfattr(Buffer.from("user.a=0x61\n"), root)).toThrow(ToolError);
    expect(() => parseGetfattr(Buffer.from("# file: /elsewhere/x\n"), root)).toThrow(/not below/);
    expect(() => parseGetfattr(Buffer.from('# file: /tmp/rootfs/x\nuser.a="text"\n'), root)).toThrow(/cannot decode/);
  });
});
