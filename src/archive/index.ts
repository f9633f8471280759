// The archive module's public API: deterministic tar packing over a FileSource, and reading back.
export type { Compression, EntryType, FileSource, IndexEntry, PackOptions, PackResult, TreeEntry } from "./types.js";
export { diskSource } from "./disk.js";
export { memorySource, type MemoryNode } from "./memory.js";
export { packTree } from "./pack.js";
export { tarName, DEV_SKIP_REASON } from "./plan.js";
export {
  detectCompression,
  listTemplate,
  readTemplate,
  templateImageId,
  type ListedEntry,
  type ListOptions,
  type TemplateBody,
  type TemplateCompression,
  type TemplateEntry,
  type TemplateListing,
} from "./read.js";
