// The vm module's public API: a stored image → bootable UEFI disk formats, and the qemu boot smoke test.
export type { BootFirmware, BootHw, BootStage, BootTestResult, DiskIds, DiskLayout, VmFormat, VmOptions, VmOutput, VmResult } from "./types.js";
export { VM_FORMATS, BOOT_STAGES, BOOT_HW, BOOT_FIRMWARE } from "./types.js";
export { buildVm, VM_JSON, BOOT_JSON } from "./build.js";
export { bootTest, type BootTestOptions } from "./boot-test.js";
export { planVm, checkFormats, bootChoices, DEFAULT_FORMATS } from "./plan.js";
export { REPRODUCIBILITY, type ReproClaim } from "./reproducible.js";
