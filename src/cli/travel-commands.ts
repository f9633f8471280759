// The commands for candidates that travel and can be trusted: SSH signatures over the manifest and a
// SLSA provenance statement beside the store entry; OCI images, air-gapped bundles and registries.
// Each command module is loaded lazily, as in main.ts.
import type { Command } from "commander";
import type { GlobalOptions } from "./options.js";

/** A repeatable option's values, in order (`--principal ci --principal release`). */
const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Registers sign, verify-signature, provenance, oci, export, import, push and pull on `program`. */
export function addTravelCommands(program: Command, all: <T>(cmd: Command) => T & GlobalOptions): void {
  // Trust: SSH signatures over the manifest and a SLSA provenance statement, beside the store entry.
  program
    .command("sign")
    .description("sign an image's manifest (and provenance) with an SSH key (ssh-keygen -Y sign, namespace kiln-image)")
    .argument("<ref>", "image reference")
    .requiredOption("--key <file>", "SSH private key")
    .option("--principal <name>", "names the signature files (default: the key's fingerprint)")
    .option("--json", "print {image, signatures} as JSON")
    .action(async (ref: string, _o, cmd: Command) => (await import("./sign.js")).sign(ref, all(cmd)));
  program
    .command("verify-signature")
    .description("check an image's manifest and provenance signatures against an allowed_signers file (exit 1 unless every --principal signed the manifest)")
    .argument("<ref>", "image reference")
    .requiredOption("--allowed-signers <file>", "allowed_signers file (git's format)")
    .option("--principal <name>", "a principal that must have signed (repeat for several; default: anyone listed)", collect)
    .option("--require-provenance", "exit 1 unless the provenance names the image and is signed by the principals too")
    .option("--json", "print the verdicts as JSON")
    .action(async (ref: string, _o, cmd: Command) => (await import("./verify-signature.js")).verifySignature(ref, all(cmd)));
  program
    .command("provenance")
    .description("write and print an image's provenance statement (in-toto v1, SLSA provenance v1)")
    .argument("<ref>", "image reference")
    .option("--lock <file>", "the lock the image was baked from (its digest must match the manifest)")
    .action(async (ref: string, _o, cmd: Command) => (await import("./provenance.js")).provenance(ref, all(cmd)));

  program
    .command("oci")
    .description("write a stored image as an OCI image layout directory or oci-archive tar (verified first)")
    .argument("<ref>", "image id, prefix or tag")
    .requiredOption("-o, --out <path>", "output directory (layout) or file (archive); must not exist")
    .option("--format <format>", "layout | archive", "layout")
    .option("--compression <kind>", "layer compression: gzip (widest support) | zstd (the template as-is)", "gzip")
    .option("--json", "print what was written as JSON")
    .action(async (ref: string, _o, cmd: Command) => (await import("./oci.js")).oci(ref, all(cmd)));

  program
    .command("export")
    .description("write images and their attestations into one oci-archive bundle for an air-gapped store")
    .argument("<refs...>", "image ids, prefixes or tags")
    .requiredOption("-o, --out <file>", "bundle tar to write; must not exist")
    .option("--compression <kind>", "re-compress layers: zstd | gzip (default: each template as stored, byte for byte)")
    .option("--json", "print what was written as JSON")
    .action(async (refs: string[], _o, cmd: Command) => (await import("./oci.js")).exportBundle(refs, all(cmd)));

  program
    .command("import")
    .description("verify a bundle from kiln export completely, then add its images to the store")
    .argument("<bundle>", "bundle tar")
    .option("--trust <allowed_signers>", "import nothing unless every image carries a valid manifest signature (ssh allowed_signers file)")
    .option("--principal <name>", "with --trust: a principal that must have signed each image (repeat for several; default: anyone listed)", collect)
    .option("--require-provenance", "with --trust: the provenance must name the image and be signed by the principals too")
    .option("--json", "print what was imported as JSON")
    .action(async (bundle: string, _o, cmd: Command) => (await import("./import.js")).importBundle(bundle, all(cmd)));

  program
    .command("push")
    .description("push a stored image (its template's sha256 checked as it uploads) and its attestations to an OCI registry")
    .argument("<ref>", "image id, prefix or tag")
    .argument("<dest>", "REGISTRY[:PORT]/REPO[:TAG]")
    .option("--compression <kind>", "re-compress the layer: gzip | zstd (default: the template as stored)")
    .option("--ca-file <pem>", "CA certificate(s) to trust for the registry's TLS (default: $KILN_REGISTRY_CA)")
    .option("--insecure-http", "plain HTTP to a registry that is not on loopback (credentials and blobs in clear)")
    .option("--json", "print what was pushed as JSON")
    .action(async (ref: string, dest: string, _o, cmd: Command) => (await import("./push.js")).push(ref, dest, all(cmd)));

  program
    .command("pull")
    .description("pull an image and its attestations from an OCI registry, verify it completely, add it to the store")
    .argument("<src>", "REGISTRY[:PORT]/REPO:TAG or REGISTRY[:PORT]/REPO@sha256:<hex>")
    .option("--ca-file <pem>", "CA certificate(s) to trust for the registry's TLS (default: $KILN_REGISTRY_CA)")
    .option("--insecure-http", "plain HTTP to a registry that is not on loopback (credentials and blobs in clear)")
    .option("--trust <allowed_signers>", "import nothing unless the image carries a valid manifest signature (ssh allowed_signers file)")
    .option("--principal <name>", "with --trust: a principal that must have signed (repeat for several; default: anyone listed)", collect)
    .option("--require-provenance", "with --trust: the provenance must name the image and be signed by the principals too")
    .option("--json", "print what was pulled as JSON")
    .action(async (src: string, _o, cmd: Command) => (await import("./pull.js")).pull(src, all(cmd)));
}
