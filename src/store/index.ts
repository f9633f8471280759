// The store module's public API: a content-addressed image store with tags, refs, gc and diff.
export type { ImageMeta, ImageRef, ImageSummary, Manifest, ManifestCheckout, ManifestDeb, ManifestPython, StoredImage } from "./types.js";
export { addImage, type AddImageOptions, type AddImageResult } from "./add.js";
export { findByInputs, recordInputs } from "./inputs.js";
export { listImages, readManifest, readIndex, hasImage, imageIds, storedImage } from "./read.js";
export { resolveRef, resolveStored, MIN_PREFIX } from "./refs.js";
export { listTags, readTag, writeTag, deleteTag, tagsById } from "./tags.js";
export { tagImage } from "./tag-image.js";
export { gc, pinnedIds, removeImage, type GcOptions, type GcResult } from "./gc.js";
export { diffImages, type ImageDiff, type DiffInput } from "./diff.js";
export { diffRefs } from "./compare.js";
export { inspectImage, type Inspection } from "./inspect.js";
export { packDirectory, type PackDirOptions } from "./pack-dir.js";
export { buildSbom } from "./sbom.js";
export { templateFileName, pinsDir } from "./layout.js";
export { imageNameProblems, tagNameProblem, ARCHES } from "./naming.js";
export { cleanStaleTemps } from "./tmp.js";
