// Where things live in a store. Everything else goes through these helpers, so the layout is written once:
//   <store>/images/<hex>/{<template>, manifest.json, sbom.cdx.json, files.tsv, .added}
//   <store>/tags/<name>        one line: the image id
//   <store>/inputs/<hex>       one line: the image id an inputs hash baked to
//   <store>/attestations/<hex>/  signatures and provenance of an image (beside it: entries are immutable)
//   <store>/pins/<anything>    image ids (one per line) that gc must keep: written by the deployer
//   <store>/tmp/<pid>.<start>-<rand>/  a writer's work in progress, renamed into images/ when complete
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { shortId } from "../util/format.js";
import { errnoCode } from "../util/thrown.js";

export const MANIFEST_FILE = "manifest.json";
export const SBOM_FILE = "sbom.cdx.json";
export const INDEX_FILE = "files.tsv";
/** When the entry was added (ms since epoch): kept out of the manifest, which must stay reproducible. */
export const ADDED_FILE = ".added";

/** The hex part of "sha256:<hex>" (or of a bare hex string). */
export function hexOf(id: string): string {
  return id.startsWith("sha256:") ? id.slice("sha256:".length) : id;
}

export const imagesDir = (store: string): string => join(store, "images");
export const imageDir = (store: string, id: string): string => join(store, "images", hexOf(id));
export const attestationsDir = (store: string, id: string): string => join(store, "attestations", hexOf(id));
export const tagsDir = (store: string): string => join(store, "tags");
export const tagFile = (store: string, name: string): string => join(store, "tags", name);
export const inputsDir = (store: string): string => join(store, "inputs");
export const inputsFile = (store: string, inputs: string): string => join(store, "inputs", hexOf(inputs));
export const pinsDir = (store: string): string => join(store, "pins");
export const tmpDir = (store: string): string => join(store, "tmp");

/**
 * The template's file name, the Proxmox way: `<ostype>-<name>_<version>_<arch>.tar.<ext>`, with the first
 * 12 hex of the image id appended to the version so two builds of one version never share a name.
 */
export function templateFileName(o: {
  readonly ostype: string;
  readonly name: string;
  readonly version: string;
  readonly arch: string;
  readonly id: string;
  readonly ext: string;
}): string {
  return `${o.ostype}-${o.name}_${o.version}-${shortId(o.id)}_${o.arch}.${o.ext}`;
}

/** A directory's entry names, sorted, without dot files; [] if the directory does not exist yet. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith(".")).sort();
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return [];
    throw e;
  }
}
