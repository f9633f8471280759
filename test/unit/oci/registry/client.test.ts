// The registry client against a small adversarial HTTP server on loopback: bounded reads (a manifest over
// 4 MiB, an endless error body), error codes quoted, the scheme rule (plain HTTP only for loopback or
// --insecure-http), and a Location to plain HTTP refused when the registry is HTTPS.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { ToolError } from "../../../../src/errors.js";
import { MAX_MANIFEST_BYTES, readBounded, RegistryClient } from "../../../../src/oci/registry/client.js";

let server: Server;
let host: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/v2/k/manifests/big") {
      res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" });
      res.end(Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20));
    } else if (req.url === "/v2/k/manifests/denied") {
      res.writeHead(403, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "DENIED", message: "no\u001b[2J way" }] }));
    } else if (req.url === "/v2/k/blobs/flood") {
      res.writeHead(500);
      res.end(Buffer.alloc(1 << 20, 0x41));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  host = `127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("RegistryClient", () => {
  it("bounds a manifest read", async () => {
    const c = new RegistryClient(host, "k");
    const res = await c.request({ method: "GET", url: "/v2/k/manifests/big" });
    await expect(readBounded(res.body, MAX_MANIFEST_BYTES, "manifest big")).rejects.toThrow(/over 4194304 bytes/);
  });

  it("reports the registry's error codes quoted, and a flood of error body as a bounded failure", async () => {
    const c = new RegistryClient(host, "k");
    const e = await c.fail(await c.request({ method: "GET", url: "/v2/k/manifests/denied" }), "GET manifest denied");
    expect(e).toBeInstanceOf(ToolError);
    expect(e.message).toBe('GET manifest denied: HTTP 403 ("DENIED": "no\\x1b[2J way")');
    const f = await c.fail(await c.request({ method: "GET", url: "/v2/k/blobs/flood" }), "GET blob");
    expect(f.message).toBe("GET blob: HTTP 500");
  });

  it("uses plain HTTP only for loopback or when asked, and refuses a downgrade from HTTPS", () => {
    expect(new RegistryClient("127.0.0.1:5000", "k").base.protocol).toBe("http:");
    expect(new RegistryClient("reg.example.org", "k").base.protocol).toBe("https:");
    expect(new RegistryClient("reg.example.org", "k", { insecureHttp: true }).base.protocol).toBe("http:");
    const tls = new RegistryClient("reg.example.org", "k");
    expect(() => tls.url("http://reg.example.org/v2/k/blobs/uploads/x")).toThrow(/not https/);
    expect(tls.url("/v2/k/blobs/uploads/x?_state=1").href).toBe("https://reg.example.org/v2/k/blobs/uploads/x?_state=1");
  });
});
