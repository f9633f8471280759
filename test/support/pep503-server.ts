// A PEP 503 "simple" package index on loopback, serving the wheels of one directory: what the fetch
// tests point `pip download --index-url` at instead of a real index (which is unreachable here).
// Links carry `#sha256=` (PEP 503) and `data-requires-python` (PEP 503/345); names are PEP 503-normalised
// and a non-normalised project URL redirects to the normalised one, as real indexes do.
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { readWheelMetadataFromBuffer } from "../../src/requirements/metadata.js";

export interface IndexOptions {
  /** Directory of *.whl files; read on every request, so wheels added later are served too. */
  readonly wheelhouse: string;
}

export interface IndexServer {
  /** The index URL for `--index-url`, e.g. http://127.0.0.1:40123/simple/ */
  readonly url: string;
  /** Paths requested so far, in order (lets a test assert what was, or was not, downloaded). */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

interface WheelFile {
  readonly file: string;
  readonly project: string;
  readonly sha256: string;
  readonly requiresPython?: string;
}

/** PEP 503 name normalisation. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Escapes text for an HTML attribute or body. */
function html(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const cache = new Map<string, WheelFile>();

/** Describes one wheel (hash, Requires-Python), cached by path, size and mtime. */
async function describe(dir: string, file: string): Promise<WheelFile> {
  const path = join(dir, file);
  const st = await stat(path);
  const key = `${path}\0${st.size}\0${st.mtimeMs}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const bytes = await readFile(path);
  const requiresPython = readWheelMetadataFromBuffer(bytes, path).requiresPython;
  const w: WheelFile = {
    file,
    project: normalizeName(file.split("-")[0] ?? file),
    sha256: createHash("sha256").update(bytes).digest("hex"),
    ...(requiresPython ? { requiresPython } : {}),
  };
  cache.set(key, w);
  return w;
}

/** Every wheel in the directory, sorted by file name. */
async function scan(dir: string): Promise<readonly WheelFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".whl")).sort();
  return Promise.all(files.map((f) => describe(dir, f)));
}

/** A small HTML page in the PEP 503 shape. */
function page(title: string, links: readonly string[]): string {
  return `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0"><title>${html(title)}</title></head>\n<body>\n${links.join("<br>\n")}\n</body></html>\n`;
}

/** Answers one request: the root list, a project page, a file, or 404. */
async function handle(dir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  const wheels = await scan(dir);
  const send = (status: number, body: string | Buffer, type = "text/html; charset=utf-8"): void => {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  if (path === "/simple/") {
    const projects = [...new Set(wheels.map((w) => w.project))];
    return send(
      200,
      page(
        "Simple index",
        projects.map((p) => `<a href="/simple/${p}/">${html(p)}</a>`),
      ),
    );
  }
  const project = /^\/simple\/([^/]+)\/?$/.exec(path)?.[1];
  if (project !== undefined) {
    const canonical = normalizeName(project);
    if (path !== `/simple/${canonical}/`) {
      res.writeHead(301, { location: `/simple/${canonical}/` });
      return void res.end();
    }
    const files = wheels.filter((w) => w.project === canonical);
    if (files.length === 0) return send(404, page("Not found", []));
    const links = files.map((w) => {
      const rp = w.requiresPython ? ` data-requires-python="${html(w.requiresPython)}"` : "";
      return `<a href="/files/${encodeURIComponent(w.file)}#sha256=${w.sha256}"${rp}>${html(w.file)}</a>`;
    });
    return send(200, page(`Links for ${canonical}`, links));
  }
  const file = /^\/files\/([^/]+)$/.exec(path)?.[1];
  // Only names from the listing are served: no path from the URL ever reaches the file system.
  const wheel = wheels.find((w) => w.file === file);
  if (wheel) return send(200, await readFile(join(dir, wheel.file)), "application/octet-stream");
  send(404, page("Not found", []));
}

/** Starts the index on 127.0.0.1 with an ephemeral port. */
export async function startIndex(opts: IndexOptions): Promise<IndexServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    handle(opts.wheelhouse, req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
