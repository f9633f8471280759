import { defineConfig } from "vitest/config";

// Two projects: `unit` (no root, no real system tools beyond what Node ships; seconds)
// and `integration` (root + real tools: mmdebstrap, tar, bsdtar, svn, lxc, ...; minutes).
export default defineConfig({
  test: {
    // The default output, then the ten slowest files (test/support/slowest-reporter.ts).
    reporters: ["default", "./test/support/slowest-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          // One run directory for set-ups shared between files (a mmdebstrap rootfs): test/support/shared.ts.
          globalSetup: ["./test/support/global-setup.ts"],
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          // Integration tests share real system resources (apt cache, loop devices, LXC); one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
