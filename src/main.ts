#!/usr/bin/env node
// Entry point: declares the CLI, runs one command, maps error classes to exit codes.
// Command modules are loaded lazily so `kiln --help` stays fast.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ExitCode, KilnError } from "./errors.js";
import { setVerbose } from "./log.js";
import { kilnVersion } from "./version.js";
import type { GlobalOptions } from "./cli/options.js";
import { addTravelCommands } from "./cli/travel-commands.js";

/** Parses a positive integer flag value, refusing anything else as bad input. */
export function positiveInt(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`expected a whole number ≥ 1, got '${v}'`);
  return Number(v);
}

/** The boot test's hardware and firmware flags (`kiln vm`, `kiln nightly`), checked by the vm module's plan. */
const BOOT_HW_OPTION = ["--boot-hw <hw>", "boot test disk + NIC: virtio, or ahci (AHCI + e1000, what the OVA maps to) (default: virtio)"] as const;
const BOOT_FIRMWARE_OPTION = [
  "--boot-firmware <fw>",
  "boot test firmware: uefi (OVMF) or bios (SeaBIOS, the disk's syslinux fallback) (default: uefi)",
] as const;

/** `--no-cache` stored as `layerCache` (false), so it never clobbers the global `--cache <dir>`. */
class NoLayerCacheOption extends Option {
  override attributeName(): string {
    return "layerCache";
  }
}

/** Builds the whole command tree. `argv0` is "kiln" (or "bake" for the bake alias). */
export function buildProgram(): Command {
  const program = new Command("kiln")
    .description("Immutable release-candidate factory: lock + recipe → bit-reproducible Proxmox LXC template")
    .version(kilnVersion, "-V, --version")
    .option("--store <dir>", "image store (default: kiln.toml 'store', $KILN_STORE, or .kiln/store)")
    .option("--cache <dir>", "artifact cache (default: kiln.toml 'cache', $KILN_CACHE, or .kiln/cache)")
    .option("-v, --verbose", "echo every command kiln runs and debug details")
    .showHelpAfterError("(run with --help for usage)")
    // Program options are only read before the command name, so `kiln pack DIR --version 1.0.0`
    // gives pack its --version instead of printing kiln's; each command re-declares the globals below.
    .enablePositionalOptions()
    .exitOverride();
  program.hook("preAction", (_p, cmd) => {
    const v = cmd.optsWithGlobals<GlobalOptions>().verbose;
    if (v) setVerbose(true);
  });
  // Merges the program-wide options into a command's own.
  const all = <T>(cmd: Command): T & GlobalOptions => cmd.optsWithGlobals<T & GlobalOptions>();

  program
    .command("validate")
    .description("check a recipe and its pinned requirements without building (what CI runs first)")
    .option("-r, --recipe <file>", "recipe TOML (default: kiln.toml 'recipe')")
    .option("--requirements <file>", "pinned requirements (pip-compile output)")
    .option("--json", "print the result as JSON")
    .action(async (_o, cmd: Command) => (await import("./cli/validate.js")).validate(all(cmd)));

  program
    .command("fetch")
    .description("download exactly what the fresh lock names (debs, wheels, checkouts) into the cache; never resolves, never writes the lock")
    .option("-r, --recipe <file>", "recipe TOML (default: kiln.toml 'recipe')")
    .option("--requirements <file>", "pinned requirements (default: the recipe's [python].requirements)")
    .option("--find-links <dir>", "take wheels from this directory (default: kiln.toml 'find_links')")
    .option("--index-url <url>", "take wheels from this PEP 503 index (default: kiln.toml 'index_url')")
    .option("--json", "print the result as JSON")
    .action(async (_o, cmd: Command) => (await import("./cli/fetch.js")).fetch(all(cmd)));

  program
    .command("lock")
    .description("resolve the recipe against today's sources, fill the cache, write the lock and print what changed")
    .option("-r, --recipe <file>", "recipe TOML (default: kiln.toml 'recipe')")
    .option("--requirements <file>", "pinned requirements (default: the recipe's [python].requirements)")
    .option("--find-links <dir>", "take wheels from this directory (default: kiln.toml 'find_links')")
    .option("--index-url <url>", "take wheels from this PEP 503 index (default: kiln.toml 'index_url')")
    .option("--update [names...]", "re-resolve a fresh lock; with names, accept version changes only for those")
    .option("--check", "write nothing; exit 1 when the lock would change")
    .option("--json", "print {lock, state, changed, written, changes, …} as JSON")
    .action(async (_o, cmd: Command) => (await import("./cli/lock.js")).lock(all(cmd)));

  program
    .command("bake")
    .description("bake the recipe offline from its lock into a template in the store")
    .option("-r, --recipe <file>", "recipe TOML (default: kiln.toml 'recipe')")
    .option("--requirements <file>", "pinned requirements (default: the recipe's [python].requirements)")
    .option("--force", "bake even when the store has an image for these inputs")
    .option("--check-reproducible", "bake twice under different conditions and compare; names differing files (exit 1)")
    .addOption(new NoLayerCacheOption("--no-cache", "bake cold: neither read nor write the layer cache (<cache>/layers)"))
    .option("--explain", "when a stage misses the layer cache, name the key fields that changed")
    .option("--json", 'print {"image","template","manifest","inputs","cached","resumedFrom"}')
    .action(async (_o, cmd: Command) => (await import("./cli/bake.js")).bake(all(cmd)));

  program
    .command("pack")
    .description("pack an existing rootfs directory into the store as a template")
    .argument("<dir>", "root filesystem directory")
    .requiredOption("--name <name>", "template name, e.g. cam-node")
    .requiredOption("--version <semver>", "template version, e.g. 1.0.0")
    .option("--arch <arch>", "Debian architecture (default: read from the tree's /bin/sh)")
    .option("--ostype <ostype>", "Proxmox ostype (default: from the tree's /etc/os-release)")
    .option("--epoch <seconds>", "SOURCE_DATE_EPOCH to clamp mtimes to (default: $SOURCE_DATE_EPOCH or newest mtime in the tree)")
    .option("--json", "print {image, template, manifest} as JSON")
    .action(async (dir: string, _o, cmd: Command) => (await import("./cli/pack.js")).pack(dir, all(cmd)));

  program
    .command("images")
    .description("list the images in the store")
    .option("--json", "print as JSON")
    .action(async (_o, cmd: Command) => (await import("./cli/images.js")).images(all(cmd)));

  program
    .command("inspect")
    .description("show an image's manifest")
    .argument("<ref>", "sha256:<hex>, a unique hex prefix (≥12), a tag, or a template path")
    .option("--allowed-signers <file>", "name who signed each signature, from this allowed_signers file (else the signing key's fingerprint)")
    .option("--json", "print the manifest as JSON")
    .action(async (ref: string, _o, cmd: Command) => (await import("./cli/inspect.js")).inspect(ref, all(cmd)));

  program
    .command("tag")
    .description("give an image a name (moves the tag if it exists)")
    .argument("<ref>", "image reference")
    .argument("<name>", "tag name: letters, digits, '.', '_', '-'")
    .option("--json", "print as JSON")
    .action(async (ref: string, name: string, _o, cmd: Command) => (await import("./cli/tag.js")).tag(ref, name, all(cmd)));

  program
    .command("diff")
    .description("what changed between two images: debs, Python packages, checkouts, files")
    .argument("<a>", "older image reference")
    .argument("<b>", "newer image reference")
    .option("--json", "print as JSON")
    .action(async (a: string, b: string, _o, cmd: Command) => (await import("./cli/diff.js")).diff(a, b, all(cmd)));

  program
    .command("gc")
    .description("delete old untagged images, keeping the newest N")
    .addOption(new Option("--keep <n>", "untagged images to keep").argParser(positiveInt).default(5))
    .option("--dry-run", "only say what would be deleted")
    .option("--json", "print as JSON")
    .action(async (_o, cmd: Command) => (await import("./cli/gc.js")).gc(all(cmd)));

  const storeCmd = program.command("store").description("store maintenance");
  storeCmd
    .command("verify")
    .description("re-verify store entries: manifest, paths, template sha256, image id (exit 1 if one is damaged)")
    .argument("[refs...]", "image references (default: every image)")
    .option("--json", "print one verdict per image as JSON")
    .action(async (refs: string[], _o, cmd: Command) => (await import("./cli/store.js")).storeVerify(refs, all(cmd)));
  program
    .command("fsck")
    .description("same as kiln store verify")
    .argument("[refs...]", "image references (default: every image)")
    .option("--json", "print one verdict per image as JSON")
    .action(async (refs: string[], _o, cmd: Command) => (await import("./cli/store.js")).storeVerify(refs, all(cmd)));

  program
    .command("check")
    .description("apply Proxmox's template rules to an image or a template file (exit 1 on a failure)")
    .argument("<ref>", "image reference or template file")
    .option("--json", "print as JSON")
    .action(async (ref: string, _o, cmd: Command) => (await import("./cli/check.js")).check(ref, all(cmd)));

  // Candidates that travel: signatures and provenance, OCI images, bundles and registries.
  addTravelCommands(program, all);

  // Deployer: verify a candidate, swap it onto the inventory's hosts by A/B slots, roll back, report.
  const nodeList = (v: string): string[] =>
    v
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  program
    .command("verify")
    .description("boot an image in a throwaway LXC container, wait for systemd and run its [verify] checks (exit 1 on failure)")
    .argument("<ref>", "image reference")
    .option("--json", "print the result as JSON")
    .action(async (ref: string, _o, cmd: Command) => (await import("./cli/verify.js")).verify(ref, all(cmd)));

  program
    .command("deploy")
    .description("plan, print and apply an A/B swap of the inventory's nodes to an image (exit 1 if a node did not end on it)")
    .argument("[ref]", "image reference (none with --resume)")
    .requiredOption("--inventory <file>", "inventory TOML (docs/inventory.md)")
    .option("--nodes <a,b>", "only these nodes", nodeList)
    .option("--dry-run", "print the plan and stop")
    .option("--all-or-nothing", "when one node fails, revert every node already swapped")
    .option("--resume", "finish the deploy a kill or crash cut short, from the journal and the hosts' state")
    .option("--json", "print {plan, result} as JSON")
    .action(async (ref: string | undefined, _o, cmd: Command) => (await import("./cli/deploy.js")).deploy(ref, all(cmd)));

  program
    .command("rollback")
    .description("return each node to the image it ran before (a flip when its stopped slot holds it), or to --to REF")
    .requiredOption("--inventory <file>", "inventory TOML")
    .option("--to <ref>", "any image in the store")
    .option("--nodes <a,b>", "only these nodes", nodeList)
    .option("--dry-run", "print the plan and stop")
    .option("--json", "print {plan, result} as JSON")
    .action(async (_o, cmd: Command) => (await import("./cli/rollback.js")).rollback(all(cmd)));

  program
    .command("status")
    .description("what runs on each node, from the hosts: slot, image (id + tag), systemd health, standby slot")
    .requiredOption("--inventory <file>", "inventory TOML")
    .option("--json", "print as JSON")
    .action(async (_o, cmd: Command) => (await import("./cli/status.js")).status(all(cmd)));

  program
    .command("history")
    .description("the deploy journal of an inventory, newest first")
    .requiredOption("--inventory <file>", "inventory TOML")
    .option("--json", "print as JSON")
    .action(async (_o, cmd: Command) => (await import("./cli/history.js")).history(all(cmd)));

  program
    .command("vm")
    .description("turn a stored image into a bootable disk (UEFI, with a BIOS fallback: qcow2, streamOptimized VMDK, OVA), optionally boot-tested in qemu")
    .argument("<ref>", "image reference")
    .option("--formats <list>", "comma-separated: raw, qcow2, vmdk, ova", "qcow2,vmdk,ova")
    .option("--size <size>", "whole-disk size, e.g. 4G (default: tree × 1.3 + 300M)")
    .option("--out <dir>", "output directory (default: ./vm-<name>-<12 hex>)")
    .addOption(new Option("--cpus <n>", "virtual CPUs written into the OVF").argParser(positiveInt))
    .addOption(new Option("--memory <mib>", "memory (MiB) written into the OVF").argParser(positiveInt))
    .option("--boot-test", "boot the qcow2 in qemu and ask the simulator ?watchdog; exit 1 if it fails")
    .option(...BOOT_HW_OPTION)
    .option(...BOOT_FIRMWARE_OPTION)
    .addOption(new Option("--guest-port <port>", "guest TCP port the simulator listens on").argParser(positiveInt).default(7147))
    .addOption(new Option("--boot-timeout <seconds>", "give up the boot test after this long").argParser(positiveInt).default(300))
    .option("--json", "print {image, out, outputs, timings, bootTest} as JSON")
    .action(async (ref: string, _o, cmd: Command) => (await import("./cli/vm.js")).vm(ref, all(cmd)));

  program
    .command("nightly")
    .description(
      "the nightly job: bake Toy-KAT offline → VM (qcow2, VMDK, OVA; boot test alongside) → tag → keep the last N → report; an unchanged image reuses the last tested night",
    )
    .option("-r, --recipe <file>", "recipe (default: recipes/toy-kat.toml in the project)")
    .option("--requirements <file>", "pinned requirements (default: the recipe's)")
    .addOption(new Option("--keep <n>", "nightly tags (and their images, unless tagged otherwise or deployed) to keep").argParser(positiveInt).default(7))
    .option("--out <dir>", "where nights are kept (default: .kiln/nightly)")
    .addOption(new Option("--boot-timeout <seconds>", "seconds the boot test may take").argParser(positiveInt))
    .option(...BOOT_HW_OPTION)
    .option(...BOOT_FIRMWARE_OPTION)
    .option("--force", "build and boot the VM even when the last tested night had the same image")
    .option("--json", "print the report as JSON (with `files`: every file the night made, as absolute paths)")
    .action(async (_o, cmd: Command) => (await import("./cli/nightly.js")).nightly(all(cmd)));

  for (const cmd of [...program.commands, ...storeCmd.commands]) addGlobalOptions(cmd);
  return program;
}

/** Lets the program-wide options also follow the command name (`kiln images --store DIR`). */
function addGlobalOptions(cmd: Command): void {
  cmd
    .option("--store <dir>", "image store (default: kiln.toml 'store', $KILN_STORE, or .kiln/store)")
    .option("--cache <dir>", "artifact cache (default: kiln.toml 'cache', $KILN_CACHE, or .kiln/cache)")
    .option("-v, --verbose", "echo every command kiln runs and debug details")
    .exitOverride();
}

/** Runs the CLI with argv and returns the exit code (never calls process.exit itself). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
  } catch (e) {
    return report(e);
  }
}

/** Prints an error for a human and returns its exit code. */
export function report(e: unknown): number {
  if (e instanceof CommanderError) {
    // commander already printed help/version/usage errors.
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return ExitCode.ok;
    return ExitCode.badInput;
  }
  if (e instanceof KilnError) {
    process.stderr.write(`kiln: ${e.message}\n`);
    if (process.env.KILN_VERBOSE === "1" && e.cause) process.stderr.write(`cause: ${String((e.cause as Error).stack ?? e.cause)}\n`);
    return e.exitCode;
  }
  process.stderr.write(`kiln: internal error (a bug in kiln; please report it):\n${(e as Error)?.stack ?? String(e)}\n`);
  return 70;
}

// Run when executed directly (dist/src/main.js via the `kiln` bin).
const invoked = process.argv[1] ?? "";
if (/(?:^|\/)(?:main\.(?:js|ts)|kiln)$/.test(invoked)) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
