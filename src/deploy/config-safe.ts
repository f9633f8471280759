// Last line of defence for what kiln writes on a host (LXC config lines, pct property strings and argv,
// files put in a root): a control character there could start a new config line (`\nlxc.hook.… = …`)
// however the value got past the inventory checks. Such a value is a bug in kiln: an InternalError,
// thrown before anything is written.
import { InternalError } from "../errors.js";
import { escapeControls, firstControl, quoteInput } from "../util/quote.js";

/** Returns `v`; throws InternalError when it holds a control (or bidi) character. */
export function noControls(what: string, v: string): string {
  const c = firstControl(v);
  if (c !== undefined)
    throw new InternalError(
      `refusing to write ${what} ${quoteInput(v)}: it contains the control character ${escapeControls(c)}, which the inventory checks should have refused`,
    );
  return v;
}
