// `kiln tag REF NAME`: name an image.
import { resolveStored } from "./refs.js";
import { writeTag } from "./tags.js";
import { tagNameProblem } from "./naming.js";
import { UserError } from "../errors.js";

/** Points tag `name` at the image `ref` resolves to; returns both. */
export async function tagImage(store: string, ref: string, name: string): Promise<{ readonly tag: string; readonly image: string }> {
  const problem = tagNameProblem(name);
  if (problem) throw new UserError({ key: "tag", message: problem });
  const image = await resolveStored(store, ref);
  await writeTag(store, name, image.id);
  return { tag: name, image: image.id };
}
