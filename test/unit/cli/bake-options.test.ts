// `kiln bake --no-cache` is stored apart from the global `--cache <dir>`: one never clobbers the other.
import { describe, expect, it } from "vitest";
import type { Command } from "commander";
import { buildProgram } from "../../../src/main.js";

/** The bake command's merged options for argv (its action replaced by a recorder). */
async function bakeOptions(argv: readonly string[]): Promise<Record<string, unknown>> {
  const program = buildProgram();
  let seen: Record<string, unknown> = {};
  program.commands
    .find((c) => c.name() === "bake")
    ?.action((_o: unknown, cmd: Command) => {
      seen = cmd.optsWithGlobals();
    });
  await program.parseAsync(["node", "kiln", ...argv]);
  return seen;
}

describe("kiln bake --no-cache", () => {
  it("sets layerCache false and keeps --cache <dir>, before or after the command", async () => {
    expect(await bakeOptions(["bake", "--cache", "/x", "--no-cache"])).toMatchObject({ cache: "/x", layerCache: false });
    expect(await bakeOptions(["--cache", "/y", "bake"])).toMatchObject({ cache: "/y", layerCache: true });
    expect(await bakeOptions(["bake", "--explain"])).toMatchObject({ layerCache: true, explain: true });
  });
});
