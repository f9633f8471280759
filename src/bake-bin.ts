#!/usr/bin/env node
// The `bake` bin: `bake ARGS` is `kiln bake ARGS`.
import { main } from "./main.js";

main(["bake", ...process.argv.slice(2)]).then((code) => {
  process.exitCode = code;
});
